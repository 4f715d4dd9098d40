// The few parts of the `vscode` module that editors/vscode/src/nextOnAccept.ts and
// suggestionUpdates.ts use, for their unit tests under plain Node (*.test.mjs).
export const InlineCompletionTriggerKind = { Invoke: 0, Automatic: 1 };

export class Position {
    constructor(line, character) {
        this.line = line;
        this.character = character;
    }
    isAfter(other) {
        return this.line > other.line || (this.line === other.line && this.character > other.character);
    }
}

export class Range {
    constructor(start, end) {
        this.start = start;
        this.end = end;
    }
}

/** A text document over a string (offsets by lines, no CRLF). */
export function textDocument(uri, text) {
    const offset = (p) => text.split('\n').slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
    return {
        uri: { toString: () => uri },
        getText: (range) => (range ? text.slice(offset(range.start), offset(range.end)) : text),
    };
}

/** The active editor (set by a test) and the commands run (suggestionUpdates.test.mjs). */
export const window = { activeTextEditor: undefined };
export const commands = {
    executed: [],
    async executeCommand(command, ...args) {
        this.executed.push([command, ...args]);
    },
};
