// The server's messages (window/showMessage and window/showMessageRequest), shown by the
// extension instead of the language client's defaults so that:
//   - an action the server offers runs the matching command: the extension tells the server
//     its fixes at initialize ("client" in initializationOptions) and the server offers them as
//     actions, e.g. "Set API Key" on "Codestral is not configured: no Codestral API key";
//   - a message already on screen is not shown again (a restarted server tells its problems anew);
//   - a message that asked for a key is put away once a key is stored.
import * as vscode from 'vscode';
import { LanguageClient, MessageType, ShowMessageNotification, ShowMessageRequest } from 'vscode-languageclient/node';

/** The fixes the extension offers, as the server gets them: the action title and the command. */
export const CLIENT_FIXES = {
    setKey: { title: 'Set API Key', command: 'codestral.setApiKey', palette: 'Codestral: Set API Key' },
} as const;

/** What goes into initializationOptions.client: the title of each fix and how to run it by hand. */
export function clientInfo(): Record<string, { title: string; command: string }> {
    const info: Record<string, { title: string; command: string }> = {};
    for (const [name, fix] of Object.entries(CLIENT_FIXES)) {
        info[name] = { title: fix.title, command: fix.palette };
    }
    return info;
}

export class ServerMessages {
    /** Messages on screen (until clicked or closed), by text. */
    private readonly showing = new Set<string>();
    /** Of those, the ones that offer "Set API Key". */
    private readonly keyPrompts = new Set<string>();

    /** Replaces the client's default handlers (they apply from the next start of `client`). */
    attach(client: LanguageClient): void {
        client.onNotification(ShowMessageNotification.type, (params) => this.show(params.type, params.message, []));
        client.onRequest(ShowMessageRequest.type, (params) => {
            // Answered at once: the click runs the command here, the server needs nothing back.
            this.show(params.type, params.message, (params.actions ?? []).map((a) => a.title));
            return null;
        });
    }

    show(type: MessageType, message: string, actions: string[]): void {
        if (this.showing.has(message)) {
            return;
        }
        const fixes = Object.values(CLIENT_FIXES).filter((fix) => actions.includes(fix.title));
        const titles = fixes.map((fix) => fix.title);
        const show =
            type === MessageType.Error ? vscode.window.showErrorMessage : type === MessageType.Warning ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
        this.showing.add(message);
        if (titles.includes(CLIENT_FIXES.setKey.title)) {
            this.keyPrompts.add(message);
        }
        void show(message, ...titles).then((choice) => {
            this.showing.delete(message);
            this.keyPrompts.delete(message);
            const fix = fixes.find((f) => f.title === choice);
            if (fix) {
                void vscode.commands.executeCommand(fix.command);
            }
        });
    }

    /**
     * A key was stored: a "no key" message still on screen is out of date. VS Code has no API to
     * close one notification; hiding the toasts moves it (and any other toast on screen) to the
     * notification centre, where it can still be read.
     */
    keyStored(): void {
        if (this.keyPrompts.size > 0) {
            for (const message of this.keyPrompts) {
                this.showing.delete(message);
            }
            this.keyPrompts.clear();
            void vscode.commands.executeCommand('notifications.hideToasts');
        }
    }
}
