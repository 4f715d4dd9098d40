// Shows a Markdown answer from the server (explanations, chat) in one reusable webview,
// rendered by VS Code's built-in Markdown renderer. Scripts are disabled in the webview.
import * as vscode from 'vscode';

function escapeHtml(text: string): string {
    return text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
}

async function renderMarkdown(markdown: string): Promise<string> {
    try {
        const html = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
        if (typeof html === 'string') {
            return html;
        }
    } catch {
        // The built-in Markdown extension is disabled: show the text as it is.
    }
    return `<pre class="plain">${escapeHtml(markdown)}</pre>`;
}

export class AnswerView implements vscode.Disposable {
    private panel: vscode.WebviewPanel | undefined;

    async show(title: string, markdown: string): Promise<void> {
        const body = await renderMarkdown(markdown);
        if (!this.panel) {
            this.panel = vscode.window.createWebviewPanel(
                'codestral.answer',
                title,
                { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
                { enableScripts: false, enableCommandUris: false, retainContextWhenHidden: false, localResourceRoots: [] },
            );
            this.panel.onDidDispose(() => {
                this.panel = undefined;
            });
        } else {
            this.panel.reveal(vscode.ViewColumn.Beside, true);
        }
        this.panel.title = title;
        this.panel.webview.html = page(this.panel.webview, title, body);
    }

    dispose(): void {
        this.panel?.dispose();
    }
}

function page(webview: vscode.Webview, title: string, body: string): string {
    const csp = [
        "default-src 'none'",
        `style-src ${webview.cspSource} 'unsafe-inline'`,
        `img-src ${webview.cspSource} https: data:`,
        `font-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); line-height: 1.5; padding: 0 1.5em 2em; max-width: 60em; }
  code, pre { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
  pre { background: var(--vscode-textCodeBlock-background); padding: 0.6em 0.8em; overflow-x: auto; border-radius: 4px; }
  pre.plain { white-space: pre-wrap; background: none; padding: 0; }
  :not(pre) > code { background: var(--vscode-textCodeBlock-background); padding: 0 0.25em; border-radius: 3px; }
  a { color: var(--vscode-textLink-foreground); }
  blockquote { border-left: 3px solid var(--vscode-textBlockQuote-border); margin: 0; padding-left: 1em; }
</style>
</head>
<body class="codestral-answer">
${body}
</body>
</html>`;
}
