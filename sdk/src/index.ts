// The whole public surface of `modelmesh`. Named exports only; nothing here runs on import.
// `create()` checks the configuration at once and loads the mesh and the connectors it names with import() (see
// client/create.ts); `ModelMesh` links every built-in statically, for code that starts a mesh itself.
//
// Values are re-exported only as `export *` of a barrel under exports/ that lists one module's names. esbuild with
// --splitting loads up front every chunk that a used barrel (or a module it names) can reach, used or not
// (evanw/esbuild#3252); without splitting it can skip the start-up of a module reached only through `export *` of a
// file the app uses nothing of. So an app that imports `create` gets no connector up front, one that also imports
// `BrowserBaseProvider` gets that class and what it imports, and each runs (test/bundle.test.ts, structure.test.ts).
export * from "./exports/create.js";
export * from "./exports/builtin-mesh.js";
export * from "./surface.js";
