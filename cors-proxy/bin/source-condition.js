// A module resolution hook: adds the "modelmesh-source" condition, so `import "modelmesh"` loads sdk/src in the repository.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, "modelmesh-source"] });
}
