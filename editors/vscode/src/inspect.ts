// "Codestral: Inspect Last Suggestions": the server's record of its last completion requests
// (codestral.inspect: what was sent, the raw answer, the post-processing rules that changed it,
// what was shown, timings, route, trace id, tokens) in a webview. No scripts in the page; every
// value is escaped.
import * as vscode from 'vscode';
import { ServerClient } from './client';
import { describe } from './errors';

export const INSPECT = 'codestral.inspect';
const LIMIT = 10;

type Row = Record<string, unknown>;

function esc(value: unknown): string {
    const text = value === null || value === undefined ? '–' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function block(title: string, text: unknown): string {
    return `<h4>${esc(title)}</h4><pre>${esc(typeof text === 'string' ? text : text ?? '–')}</pre>`;
}

function request(r: Row): string {
    const t = (r.timings ?? {}) as Row;
    const tokens = (r.tokens ?? {}) as Row;
    const pos = (r.position ?? {}) as Row;
    const sent = (r.sent ?? {}) as Row;
    const snippets = Array.isArray(sent.snippets) ? (sent.snippets as Row[]) : [];
    const rules = Array.isArray(r.rules) && r.rules.length ? (r.rules as unknown[]).join(', ') : 'none';
    const facts: [string, unknown][] = [
        ['outcome', r.outcome],
        ['source', r.source],
        ['stage', r.stage],
        ['route', r.route],
        ['trace id', r.traceId],
        ['timings (ms)', `debounce ${esc(t.debounceMs)}, first byte ${esc(t.firstByteMs)}, upstream ${esc(t.upstreamMs)}, total ${esc(t.totalMs)}`],
        ['tokens', `prompt ${esc(tokens.prompt)}, completion ${esc(tokens.completion)}${tokens.estimated ? ' (estimated)' : ''}`],
        ['sent', `prefix ${esc(r.prefixChars)} chars, suffix ${esc(r.suffixChars)} chars, multiline ${esc(r.multiline)}, redactions ${esc(r.redactions)}`],
        ['snippets', snippets.map((s) => `${esc(s.path)} (${esc(s.chars)} chars)`).join('; ') || 'none'],
        ['rules that changed it', rules],
    ];
    const line = Number(pos.line ?? 0) + 1;
    const column = Number(pos.index ?? 0) + 1;
    return [
        `<section><h3>${esc(r.file)}:${line}:${column} <small>${esc(r.language)} · ${esc(r.id)}</small></h3>`,
        '<table>',
        ...facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${k === 'timings (ms)' || k === 'tokens' || k === 'sent' || k === 'snippets' ? v : esc(v)}</td></tr>`),
        '</table>',
        block('raw answer', r.raw),
        block('shown', r.shown),
        block('prefix (end)', typeof r.prefix === 'string' ? r.prefix.slice(-600) : r.prefix),
        block('suffix (start)', typeof r.suffix === 'string' ? r.suffix.slice(0, 600) : r.suffix),
        '</section>',
    ].join('\n');
}

export function inspectorHtml(requests: Row[]): string {
    const body = requests.length ? requests.map(request).join('\n<hr>\n') : '<p>No completion request yet.</p>';
    return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size)}
th{text-align:left;padding-right:1em;vertical-align:top}pre{white-space:pre-wrap;background:var(--vscode-textCodeBlock-background);padding:.4em}</style>
</head><body><h2>Codestral: last suggestions</h2>${body}</body></html>`;
}

export class InspectorView implements vscode.Disposable {
    private panel: vscode.WebviewPanel | undefined;

    async show(server: ServerClient): Promise<void> {
        let requests: Row[] = [];
        try {
            const answer = await server.serverCommand<{ requests?: Row[] } | null>(INSPECT, [{ limit: LIMIT }]);
            requests = answer?.requests ?? [];
        } catch (error) {
            void vscode.window.showErrorMessage(`Codestral: inspect failed: ${describe(error)}`);
            return;
        }
        if (!this.panel) {
            this.panel = vscode.window.createWebviewPanel('codestral.inspect', 'Codestral: Inspect', vscode.ViewColumn.Beside, {
                enableScripts: false,
            });
            this.panel.onDidDispose(() => (this.panel = undefined));
        }
        this.panel.webview.html = inspectorHtml(requests);
        this.panel.reveal(undefined, true);
    }

    dispose(): void {
        this.panel?.dispose();
    }
}
