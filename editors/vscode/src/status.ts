// The status bar item, fed by the server's `codestral/status` notification and by the
// client's own life cycle (starting, stopped).
import * as vscode from 'vscode';

export type ServerState = 'ready' | 'working' | 'rate_limited' | 'error' | 'disabled';
export type ItemState = ServerState | 'starting' | 'stopped';

export interface StatusParams {
    state: ServerState;
    message?: string;
}

const LOOK: Record<ItemState, { icon: string; label: string; background?: string }> = {
    ready: { icon: '$(sparkle)', label: 'ready' },
    working: { icon: '$(loading~spin)', label: 'working' },
    rate_limited: { icon: '$(watch)', label: 'rate limited', background: 'statusBarItem.warningBackground' },
    error: { icon: '$(error)', label: 'error', background: 'statusBarItem.errorBackground' },
    disabled: { icon: '$(circle-slash)', label: 'completions off' },
    starting: { icon: '$(loading~spin)', label: 'starting' },
    stopped: { icon: '$(debug-disconnect)', label: 'server stopped', background: 'statusBarItem.errorBackground' },
};

export class StatusItem implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    private current: ItemState = 'starting';

    constructor() {
        this.item = vscode.window.createStatusBarItem('codestral.status', vscode.StatusBarAlignment.Right, 100);
        this.item.name = 'Codestral';
        this.item.command = 'codestral.showStatus';
        this.set('starting');
        this.item.show();
    }

    get state(): ItemState {
        return this.current;
    }

    /** Accepts whatever the server sent; unknown states are shown as they are. */
    fromServer(params: unknown): void {
        const p = (params ?? {}) as Partial<StatusParams>;
        const state = typeof p.state === 'string' ? p.state : 'ready';
        const message = typeof p.message === 'string' ? p.message : '';
        this.set(state as ItemState, message);
    }

    set(state: ItemState, message = ''): void {
        this.current = state;
        const look = LOOK[state] ?? { icon: '$(question)', label: String(state) };
        this.item.text = `${look.icon} Codestral`;
        this.item.backgroundColor = look.background ? new vscode.ThemeColor(look.background) : undefined;
        const tooltip = new vscode.MarkdownString(undefined, true);
        tooltip.appendMarkdown(`**Codestral**: ${look.label}`);
        if (message) {
            tooltip.appendMarkdown('\n\n');
            tooltip.appendText(message);
        }
        tooltip.appendMarkdown('\n\n_Click for status and actions._');
        this.item.tooltip = tooltip;
        this.item.accessibilityInformation = { label: `Codestral: ${look.label}${message ? `. ${message}` : ''}` };
    }

    dispose(): void {
        this.item.dispose();
    }
}
