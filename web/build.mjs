// Builds the staff web client into dist/ (committed, so `make run` needs no Node).
//
// Deterministic by construction: fixed esbuild options, no timestamps, no
// source maps (they would carry absolute paths), files written in a fixed
// order. tests/web/test_bundle.py rebuilds into a temporary folder and fails
// when the result differs from the committed dist/.
//
//   node build.mjs            -> dist/
//   node build.mjs --outdir D -> D/ (the freshness check)
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const flag = process.argv.indexOf("--outdir");
const outdir = resolve(flag >= 0 ? process.argv[flag + 1] : join(here, "dist"));

rmSync(outdir, { recursive: true, force: true });
mkdirSync(join(outdir, "graphiql"), { recursive: true });

await build({
  absWorkingDir: here,
  entryPoints: { window: "src/window/main.ts", widget: "src/widget/main.ts" },
  outdir,
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});

// The pages and the style sheet are copied as they are.
for (const name of ["index.html", "widget.html", "app.css"]) {
  copyFileSync(join(here, "pages", name), join(outdir, name));
}

// GraphiQL, served by /graphql in dev mode: the same released UMD builds the
// strawberry page loads from a CDN, copied from node_modules so the IDE works
// on a machine without internet. Their source-map comments are dropped (the
// maps are not shipped).
const vendor = [
  ["react/umd/react.production.min.js", "react.production.min.js"],
  ["react-dom/umd/react-dom.production.min.js", "react-dom.production.min.js"],
  ["graphiql/graphiql.min.js", "graphiql.min.js"],
  ["graphiql/graphiql.min.css", "graphiql.min.css"],
  ["@graphiql/plugin-explorer/dist/index.umd.js", "plugin-explorer.umd.js"],
  ["@graphiql/plugin-explorer/dist/style.css", "plugin-explorer.css"],
];
for (const [source, target] of vendor) {
  const text = readFileSync(join(here, "node_modules", source), "utf8");
  const kept = text.replace(/\n?\/[/*]# sourceMappingURL=[^\n]*$/, "\n");
  writeFileSync(join(outdir, "graphiql", target), kept);
}
copyFileSync(join(here, "pages", "graphiql.html"), join(outdir, "graphiql", "index.html"));
copyFileSync(join(here, "pages", "graphiql-init.js"), join(outdir, "graphiql", "init.js"));
