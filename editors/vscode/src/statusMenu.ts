// "Show Status" (also the status bar item's click): a quick pick with the server's status
// object (codestral.status) and the extension's actions.
import * as vscode from 'vscode';
import { SERVER_COMMAND, ServerClient } from './client';
import { describe } from './errors';
import { SECTION } from './settings';

function valueText(value: unknown): string {
    if (value === null || value === undefined) {
        return '—';
    }
    if (typeof value === 'object') {
        return JSON.stringify(value);
    }
    return String(value);
}

const pct = (share: unknown) => (typeof share === 'number' ? `${Math.round(share * 100)}%` : '–');

/** Acceptance, retention and budget first, in words. */
function summary(status: Record<string, unknown>): vscode.QuickPickItem[] {
    const a = (status.acceptance ?? {}) as Record<string, any>;
    const b = (status.budget ?? {}) as Record<string, any>;
    const kept = (label: string) => `${label} ${pct(a.retention?.[label]?.share)}`;
    const left = (p: any) => (typeof p?.limit === 'number' ? `${p.left} of ${p.limit} tokens left` : 'unlimited');
    return [
        {
            label: '$(pass) Suggestions',
            description: `${a.shown ?? 0} shown, ${a.accepted ?? 0} accepted, ${a.partlyAccepted ?? 0} partly, ${a.dismissed ?? 0} dismissed (accept rate ${pct(a.acceptRate)})`,
        },
        { label: '$(history) Retained', description: `${kept('30s')}, ${kept('2m')}, ${kept('10m')}` },
        { label: '$(dashboard) Budget', description: `stage ${b.stageName ?? '–'}; today ${left(b.day)}; this month ${left(b.month)}` },
    ];
}

export async function showStatus(server: ServerClient, output: vscode.LogOutputChannel): Promise<void> {
    type Item = vscode.QuickPickItem & { run?: () => unknown };
    const items: Item[] = [];
    const client = server.running;
    if (client) {
        try {
            const status = await server.serverCommand<Record<string, unknown> | null>(SERVER_COMMAND.status, []);
            items.push(...summary(status ?? {}));
            for (const [key, value] of Object.entries(status ?? {})) {
                if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
                    for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
                        items.push({ label: `${key}.${sub}`, description: valueText(subValue) });
                    }
                } else {
                    items.push({ label: key, description: valueText(value) });
                }
            }
        } catch (error) {
            items.push({ label: '$(error) status unavailable', description: describe(error) });
        }
    } else {
        items.push({ label: '$(debug-disconnect) server not running', description: server.launchDescription });
    }
    const enabled = vscode.workspace.getConfiguration(SECTION).get<boolean>('completion.enable', true);
    items.push(
        { label: 'Actions', kind: vscode.QuickPickItemKind.Separator },
        {
            label: enabled ? '$(circle-slash) Turn completions off' : '$(sparkle) Turn completions on',
            run: () => vscode.commands.executeCommand('codestral.toggleCompletions'),
        },
        { label: '$(key) Set API Key', run: () => vscode.commands.executeCommand('codestral.setApiKey') },
        { label: '$(key) Set Gateway Key', run: () => vscode.commands.executeCommand('codestral.setGatewayKey') },
        { label: '$(debug-restart) Restart Server', run: () => vscode.commands.executeCommand('codestral.restartServer') },
        { label: '$(output) Show Server Log', run: () => output.show(true) },
        {
            label: '$(settings-gear) Open Settings',
            run: () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:codestral-ls.codestral-ls`),
        },
    );
    items.push({ label: 'server', description: server.launchDescription });
    const choice = await vscode.window.showQuickPick(items, {
        title: 'Codestral status',
        matchOnDescription: true,
    });
    await choice?.run?.();
}
