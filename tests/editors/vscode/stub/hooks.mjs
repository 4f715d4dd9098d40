// Resolves `vscode` to ./vscode.mjs (node --import ./stub/register.mjs).
export async function resolve(specifier, context, next) {
    if (specifier === 'vscode') {
        return { url: new URL('./vscode.mjs', import.meta.url).href, shortCircuit: true };
    }
    return next(specifier, context);
}
