// Module resolve hook (registered by register-source.mjs when the CLI runs from the TypeScript
// sources): `import … from 'distillery'` resolves with the `distillery-source` export condition,
// i.e. to src/index.ts instead of the compiled dist/ (package.json "exports").
export const resolve = (specifier, context, nextResolve) =>
  specifier === 'distillery' || specifier.startsWith('distillery/')
    ? nextResolve(specifier, { ...context, conditions: [...context.conditions, 'distillery-source'] })
    : nextResolve(specifier, context);
