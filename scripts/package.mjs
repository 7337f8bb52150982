// npm run package: dist/ bundled into one CommonJS file, the addon and golden tables as assets, injected into a copy of node.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { version } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
const ARCH = { x64: 'x86_64', arm64: 'aarch64' }[process.arch] ?? process.arch;
export const OUT = `${ROOT}dist/furc-${version}-${ARCH}`;
/** The fuse postject writes into node's binary to mark the blob present (Node's SEA documentation). */
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const fail = (s) => { console.error(`npm run package: ${s}`); process.exit(1); };
class PackageError extends Error {}
const entry = `${ROOT}dist/src/sea/entry.js`;
const addon = `${ROOT}build/Release/furc_probe.node`;
if (!existsSync(entry)) fail(`${entry} is missing: run npm run build`);
if (!existsSync(addon)) fail(`${addon} is missing: run npm install (node-gyp builds it)`);

const work = mkdtempSync(`${tmpdir()}/furc-package-`);
try {
  const t0 = Date.now();
  // esbuild-wasm: the same bundler as esbuild without a native binary or an install script.
  const esbuild = await import('esbuild-wasm');
  const bundle = `${work}/furc.cjs`;
  const r = await esbuild.build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'silent',
    // CommonJS has no import.meta: modules that locate files from it get the executable's URL, and read assets instead.
    define: { 'import.meta.url': '__furc_import_meta_url' },
    banner: { js: "const __furc_import_meta_url = require('node:url').pathToFileURL(process.execPath).href;" },
  });
  await esbuild.stop?.();
  for (const w of r.warnings) console.error(`npm run package: esbuild: ${w.text}`);

  const golden = readdirSync(`${ROOT}fixtures/golden`).filter((f) => /^rules\..+\.txt$/.test(f)).map((f) => `fixtures/golden/${f}`);
  const assets = Object.fromEntries([['furc_probe.node', addon], ...golden.map((g) => [g, `${ROOT}${g}`])]);
  writeFileSync(`${work}/sea-config.json`, JSON.stringify({ main: bundle, output: `${work}/sea.blob`, disableExperimentalSEAWarning: true, useCodeCache: false, assets }));
  try { execFileSync(process.execPath, ['--experimental-sea-config', `${work}/sea-config.json`], { stdio: 'pipe' }); } catch (e) { throw new PackageError(`node --experimental-sea-config failed: ${String(e.stderr).trim()}`); }

  const tmp = `${work}/furc`;
  copyFileSync(process.execPath, tmp);
  chmodSync(tmp, 0o755);
  // LIEF (inside postject) warns about node's unnamed .note sections on every run; that says nothing about the result.
  const warn = console.warn;
  console.warn = (...a) => { if (!/^warning: Can't find string offset for section name '\.note/.test(String(a[0]))) warn(...a); };
  const { inject } = await import('postject');
  await inject(tmp, 'NODE_SEA_BLOB', readFileSync(`${work}/sea.blob`), { sentinelFuse: FUSE, overwrite: true });
  renameSync(tmp, OUT);
  const mb = (statSync(OUT).size / 2 ** 20).toFixed(1);
  console.log(`${OUT.slice(ROOT.length)}: ${mb} MiB (node ${process.version}, ${golden.length} golden tables, addon ${(statSync(addon).size / 1024).toFixed(0)} KiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  if (!(e instanceof PackageError)) throw e;
  console.error(`npm run package: ${e.message}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
