;;; codestral-eglot.el --- Codestral suggestions in Eglot through codestral-ls  -*- lexical-binding: t; -*-

;; Load it from your init file: (load "/path/to/codestral-eglot.el")
;; then M-x eglot in a buffer of one of `codestral-ls-modes' (or add `eglot-ensure' to their
;; hooks).  Set the variables below *before* loading to change them.

(require 'eglot)

(defvar codestral-ls-command '("codestral-ls")
  "Program (on `exec-path', or an absolute path) and arguments that start codestral-ls.")

(defvar codestral-ls-options
  '(:codestral (:completion (:popup "invoked")))
  "The server's settings, sent as initializationOptions (see README.md, \"Settings\").
A plist: keywords become JSON keys, vectors become arrays, :json-false is false.")

(defvar codestral-ls-modes '(python-mode js-mode sh-mode c-mode c++-mode)
  "Major modes whose buffers Eglot hands to codestral-ls instead of their usual server.")

(add-to-list 'eglot-server-programs
             `(,codestral-ls-modes
               . (,@codestral-ls-command
                  :initializationOptions ,(lambda (_server) codestral-ls-options))))

;;; codestral-eglot.el ends here
