// Resolves `vscode` to ./vscode.mjs (node --import ./stub/register.mjs), and the extension's
// relative imports without an extension (`./nextOnAccept`, as esbuild takes them) to their .ts.
export async function resolve(specifier, context, next) {
    if (specifier === 'vscode') {
        return { url: new URL('./vscode.mjs', import.meta.url).href, shortCircuit: true };
    }
    if (specifier.startsWith('./') && !/\.[cm]?[jt]s$/.test(specifier) && context.parentURL?.endsWith('.ts')) {
        return next(`${specifier}.ts`, context);
    }
    return next(specifier, context);
}
