// The `codestral.*` commands of package.json (`contributes.commands`), bound to what they do.
import * as vscode from 'vscode';
import { AnswerView } from './answer';
import { askQuestion, explainSelection } from './chat';
import { checkSetup } from './checkSetup';
import { ServerClient } from './client';
import { InspectorView } from './inspect';
import { promptForKey } from './keys';
import { SECTION, ServerSettings } from './settings';
import { showStatus } from './statusMenu';

export interface CommandDeps {
    server: ServerClient;
    answers: AnswerView;
    output: vscode.LogOutputChannel;
    secrets: vscode.SecretStorage;
    inspector: InspectorView;
    settings: ServerSettings;
    extensionPath: string;
}

/** Flips `codestral.completion.enable` where it is set, so that the flip takes effect. */
async function toggleCompletions(): Promise<void> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const enabled = config.get<boolean>('completion.enable', true);
    const inspected = config.inspect<boolean>('completion.enable');
    let target = vscode.ConfigurationTarget.Global;
    if (inspected?.workspaceFolderValue !== undefined) {
        target = vscode.ConfigurationTarget.WorkspaceFolder;
    } else if (inspected?.workspaceValue !== undefined) {
        target = vscode.ConfigurationTarget.Workspace;
    }
    await config.update('completion.enable', !enabled, target);
    void vscode.window.setStatusBarMessage(`Codestral completions ${enabled ? 'off' : 'on'}`, 3000);
}

export function registerCommands({ server, answers, output, secrets, settings, extensionPath, inspector }: CommandDeps): vscode.Disposable[] {
    const keyStored = () => server.restartIfKeysChanged();
    const commands: Record<string, () => unknown> = {
        'codestral.explainSelection': () => explainSelection(server, answers, output),
        'codestral.ask': () => askQuestion(server, answers, output),
        'codestral.showStatus': () => showStatus(server, output),
        'codestral.restartServer': () => server.restart(),
        'codestral.toggleCompletions': () => toggleCompletions(),
        'codestral.setApiKey': () => promptForKey(secrets, 'apiKey', keyStored),
        'codestral.setGatewayKey': () => promptForKey(secrets, 'gatewayKey', keyStored),
        'codestral.showOutput': () => output.show(true),
        'codestral.checkSetup': () => checkSetup(extensionPath, secrets, settings, output),
        'codestral.acceptNextWord': () => server.partialAccepts.acceptNext('Word'),
        'codestral.acceptNextLine': () => server.partialAccepts.acceptNext('Line'),
        'codestral.inspectLast': () => inspector.show(server),
    };
    return Object.entries(commands).map(([id, run]) => vscode.commands.registerCommand(id, run));
}
