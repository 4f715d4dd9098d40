// Codestral for VS Code: the composition. Activation builds the pieces and wires them:
//   settings.ts    which `codestral.*` settings go to the server (package.json) and their values
//   client.ts      the language client's life cycle (start, stop, restart, server commands)
//   forwarding.ts  how those settings reach the server (init options, configuration, changes)
//   keys.ts        API keys in SecretStorage, passed in the server's environment
//   commands.ts    the commands; chat.ts (explain / ask), statusMenu.ts (Show Status)
//   launch.ts      how the server is found: codestral.server.path, else the bundled server run by
//                  a Python 3.10+ (python.ts, interpreter.ts), else an installed codestral-ls
//   startup.ts     a server that cannot start: its cause and fix once, no restart loop
//   notifications.ts  the server's messages, with the fix commands it offers as buttons
//   checkSetup.ts  "Check Setup": the server's `check` in plain words
//   status.ts, answer.ts: the UI pieces
//   partialAccept.ts  accept-next-word/line reported to the server (middleware.ts); inspect.ts: the inspector
import * as vscode from 'vscode';
import { AnswerView } from './answer';
import { ServerClient } from './client';
import { registerCommands } from './commands';
import { InspectorView } from './inspect';
import { onInterpreterChanged } from './interpreter';
import { onKeysChanged } from './keys';
import { affectsLaunch, ServerSettings } from './settings';
import { StatusItem } from './status';

let server: ServerClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const output = vscode.window.createOutputChannel('Codestral', { log: true });
    const status = new StatusItem();
    const answers = new AnswerView();
    const inspector = new InspectorView();
    context.subscriptions.push(output, status, answers, inspector);

    const settings = ServerSettings.fromManifest(context.extension.packageJSON);
    const client = new ServerClient(context.extensionPath, context.secrets, settings, output, status);
    server = client;

    context.subscriptions.push(
        ...registerCommands({
            server: client,
            answers,
            output,
            secrets: context.secrets,
            settings,
            extensionPath: context.extensionPath,
            inspector,
        }),
        vscode.workspace.onDidChangeConfiguration((event) => {
            if (affectsLaunch(event)) {
                output.info('codestral.server.* changed: restarting the server.');
                void client.restart();
            } else if (client.failed && event.affectsConfiguration('codestral')) {
                // A server that could not start is tried again when the user changes something.
                output.info('Settings changed: trying to start the server again.');
                void client.restart();
            }
        }),
        onKeysChanged(context.secrets, () => void client.restartIfKeysChanged()),
    );

    void onInterpreterChanged(() => {
        if (client.usesSelectedInterpreter || client.failed) {
            output.info('The Python interpreter changed: restarting the server.');
            void client.restart();
        }
    }).then((listener) => listener && context.subscriptions.push(listener));

    await client.start();
}

export async function deactivate(): Promise<void> {
    const client = server;
    server = undefined;
    if (client) {
        await client.stop();
    }
}
