;;; drive.el --- Eglot + codestral-ls, driven for tests/editors/test_emacs.py  -*- lexical-binding: t; -*-

;; Run as:  CODESTRAL_EMACS_TEST=cfg.json emacs --batch -Q -l tests/editors/emacs/drive.el
;;
;; cfg.json: {"snippet": the user config (codestral-eglot.el), "server_cmd": [...],
;;            "settings": {...}, "file": a Python file, "result_path": ..., "timeout_s": N}
;;
;; Loads the same snippet editors/README.md shows, opens the file in python-mode, connects Eglot
;; to codestral-ls through `eglot-server-programs', puts point where a completion makes sense,
;; calls `completion-at-point' and writes what happened as JSON to result_path.  A watchdog ends
;; Emacs after timeout_s whatever happens; every wait inside is bounded too.

(require 'cl-lib)
(require 'json)
(require 'package)
(require 'subr-x)

(defvar drive--cfg
  (with-temp-buffer
    (insert-file-contents (or (getenv "CODESTRAL_EMACS_TEST")
                              (error "CODESTRAL_EMACS_TEST is not set")))
    (json-parse-buffer :object-type 'plist :array-type 'array
                       :null-object nil :false-object :json-false)))

(defvar drive--steps nil "Alist of (NAME . VALUE), newest first.")
(defvar drive--t0 (float-time))
(defvar drive--done nil)

(defun drive--cfg (key) (plist-get drive--cfg key))

(defun drive--step (name value)
  (push (cons name value) drive--steps)
  value)

(defun drive--ms () (round (* 1000 (- (float-time) drive--t0))))

(defun drive--messages ()
  (with-current-buffer (messages-buffer)
    (let ((text (buffer-substring-no-properties (point-min) (point-max))))
      (substring text (max 0 (- (length text) 3000))))))

(defun drive--finish (ok &optional error)
  (unless drive--done
    (setq drive--done t)
    (let ((result `((ok . ,(if ok t :json-false))
                    (error . ,error)
                    (emacs . ,emacs-version)
                    (eglot . ,(drive--eglot-version))
                    (elapsed_ms . ,(drive--ms))
                    (messages . ,(drive--messages))
                    (steps . ,(reverse drive--steps)))))
      (with-temp-file (drive--cfg :result_path)
        (insert (json-encode result))))
    (kill-emacs (if ok 0 1))))

(defun drive--eglot-version ()
  (when-let ((lib (locate-library "eglot.el")))
    (with-temp-buffer
      (insert-file-contents lib nil 0 4000)
      (when (re-search-forward "^;; Version: \\([0-9.]+\\)" nil t)
        (match-string 1)))))

(defun drive--line ()
  (buffer-substring-no-properties (line-beginning-position) (line-end-position)))

(defun drive--goto (line column)
  "Point to 1-based LINE, 0-based COLUMN."
  (goto-char (point-min))
  (forward-line (1- line))
  (move-to-column column))

(defun drive--raw-completion (server)
  "The server's answer to textDocument/completion here, as eglot sends it (for the report)."
  (let* ((resp (jsonrpc-request server :textDocument/completion (eglot--CompletionParams)
                                :timeout 10))
         (items (append (if (vectorp resp) resp (plist-get resp :items)) nil))
         (item (car items)))
    `((count . ,(length items))
      (is_incomplete . ,(and (listp resp) (eq (plist-get resp :isIncomplete) t)))
      (label . ,(plist-get item :label))
      (filter_text . ,(plist-get item :filterText))
      (insert_text_format . ,(plist-get item :insertTextFormat))
      (text_edit . ,(when-let ((edit (plist-get item :textEdit)))
                      `((new_text . ,(plist-get edit :newText))
                        (start . ,(plist-get (plist-get (plist-get edit :range) :start)
                                             :character))
                        (end . ,(plist-get (plist-get (plist-get edit :range) :end)
                                           :character))))))))

(defun drive--complete-at (name line column)
  "Call `completion-at-point' at LINE/COLUMN; record the line before and after."
  (drive--goto line column)
  (let ((before (drive--line))
        (start (drive--ms)))
    (message "drive: %s: completion-at-point at %d:%d" name line column)
    (condition-case err
        (completion-at-point)
      (error (drive--step (intern (format "%s_error" name)) (error-message-string err))))
    (drive--step name `((before . ,before)
                        (after . ,(drive--line))
                        (lines_after . ,(split-string
                                         (buffer-substring-no-properties
                                          (line-beginning-position 0)
                                          (line-end-position 2))
                                         "\n"))
                        (ms . ,(- (drive--ms) start))))))

(defun drive--main ()
  ;; Debian's elpa-eglot lives outside the -Q load-path; Emacs 29+ has Eglot built in.
  (when (file-directory-p "/usr/share/emacs/site-lisp/elpa")
    (add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa"))
  (package-initialize)
  (require 'eglot)
  (require 'python)
  ;; What a user sets before loading the snippet: the command, and the settings.
  (defvar codestral-ls-command)
  (defvar codestral-ls-options)
  (setq codestral-ls-command (append (drive--cfg :server_cmd) nil))
  (setq codestral-ls-options (list :codestral (drive--cfg :settings)))
  (load (drive--cfg :snippet) nil t)
  (setq eglot-sync-connect t
        eglot-connect-timeout 15
        python-indent-guess-indent-offset nil
        ;; "No match" would otherwise wait 2 s in `minibuffer-message'.
        minibuffer-message-timeout 0)

  (find-file (drive--cfg :file))
  (drive--step 'major_mode (symbol-name major-mode))
  ;; What M-x eglot does: guess the contact from `eglot-server-programs', then connect.
  (let ((start (drive--ms)))
    (apply #'eglot (eglot--guess-contact))
    (drive--step 'connect_ms (- (drive--ms) start)))
  (let* ((server (or (eglot-current-server) (error "eglot did not connect")))
         (caps (eglot--capabilities server)))
    (drive--step 'server_command (process-command (jsonrpc--process server)))
    (drive--step 'managed_modes (mapcar #'symbol-name (eglot--major-modes server)))
    (drive--step 'language_id (eglot--language-id server))
    ;; An empty options object ({}) parses to nil: ask Eglot, which checks presence.
    (drive--step 'completion_provider (and (eglot--server-capable :completionProvider) t))
    (drive--step 'inline_provider (and (plist-member caps :inlineCompletionProvider) t))
    (drive--step 'snippet_support (if (eglot--snippet-expansion-fn) t :json-false))
    (drive--step 'managed (and (bound-and-true-p eglot--managed-mode) t))
    ;; The settings arrived as initializationOptions: the server reports the fake's base URL.
    (let ((status (jsonrpc-request server :workspace/executeCommand
                                   '(:command "codestral.status" :arguments [])
                                   :timeout 10)))
      (drive--step 'status_base_url (plist-get status :baseUrl))
      (drive--step 'status_route (plist-get status :route)))

    ;; 1. One line, after "    return " (line 2): the first upstream request of the run.
    (drive--goto 2 (length "    return "))
    (drive--step 'completion_context (plist-get (eglot--CompletionParams) :context))
    (drive--complete-at 'single 2 (length "    return "))
    ;; 2. Several lines, on the empty indented body line of area() (line 8).
    (drive--complete-at 'multi 8 4)
    ;; 3. In the middle of a word: "    ret" (line 5), the usual case for automatic popups.
    (drive--goto 5 (length "    ret"))
    (drive--step 'midword_raw (drive--raw-completion server))
    (drive--complete-at 'midword 5 (length "    ret"))

    (drive--step 'buffer (buffer-substring-no-properties (point-min) (point-max)))
    (let ((status (jsonrpc-request server :workspace/executeCommand
                                   '(:command "codestral.status" :arguments [])
                                   :timeout 10)))
      (drive--step 'status_after `((requests . ,(plist-get status :requests))
                                   (upstream_calls . ,(plist-get status :upstreamCalls))
                                   (cache_hits . ,(plist-get status :cacheHits))
                                   (accepted . ,(plist-get status :accepted))
                                   (errors . ,(plist-get status :errors)))))
    (let ((start (drive--ms)))
      (ignore-errors (eglot-shutdown server nil 3))
      (drive--step 'shutdown_ms (- (drive--ms) start))))
  (drive--finish t))

(run-at-time (or (drive--cfg :timeout_s) 25) nil
             (lambda () (drive--finish nil "watchdog: the scenario did not finish in time")))

(condition-case err
    (drive--main)
  (error (drive--finish nil (format "%s" (error-message-string err)))))

;;; drive.el ends here
