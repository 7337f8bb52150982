// `furc kernel build`: a source tree plus a patch series plus the repo's config fragments → a bzImage, built out of tree, cached by its inputs.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { ROOT } from '../paths.js';
import { CACHE, DOWNLOADS, dirs, evict, lock, MAX_BYTES, touch } from './cache.js';
import { DEBIAN_SOURCES, DebianError, fetchDeb, lookup, provenance, unpackSource } from './debian.js';
import { FRAGMENTS, TINY_FRAGMENTS, type DebugKind } from './fragments.js';
import { explain, KconfigError, merge, mismatches, parseDotConfig, parseFragment, renderAllconfig, scanKconfig, unknown, where, type Setting, type Symbols } from './kconfig.js';
import { applySeries, parsePatchFile, PatchError, type Patch } from './patch.js';
import { missingBuildTool, missingFetchTool, toolchainId } from './tools.js';
import { syncMirror, walk, walkId, writeNew, writeOverlay } from './tree.js';

/** Bad input or a missing host piece: one line, exit 2, nothing built. */
export class BuildInputError extends Error {}
/** The compiler or linker failed: the message is the first error line. */
export class BuildFailure extends Error {}

export const ARCH = 'x86_64';

export type SourceSpec = { readonly kind: 'dir'; readonly path: string } | { readonly kind: 'debian'; readonly series: string };

/** A resolved base tree: where it is, what identifies its slot (stable across edits) and its content (changes with them). */
export interface Base { readonly tree: string; readonly slotId: string; readonly contentId: string; readonly label: string; readonly kconfigCache: string | null }

export interface PatchInput { readonly name: string; readonly text: string }

export interface BuildOptions {
  readonly patches: readonly PatchInput[];
  readonly debug: readonly DebugKind[];
  readonly jobs: number;
  readonly cache?: string;
  readonly say: (s: string) => void;
  /** Every line make prints, when asked for (--verbose). */
  readonly onLine?: (l: string) => void;
}

export interface Built { readonly image: string; readonly release: string; readonly cached: boolean; readonly seconds: number; readonly changed: readonly string[]; readonly slot: string | null }

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const readOr = (p: string) => { try { return readFileSync(p, 'utf8'); } catch { return null; } };

/** The base tree of a source spec: a directory as it is, or Debian's package unpacked once into the cache after every check. */
export async function resolveBase(spec: SourceSpec, say: (s: string) => void, cache = CACHE): Promise<Base> {
  if (spec.kind === 'dir') {
    let dir: string;
    try { dir = realpathSync(spec.path); } catch { throw new BuildInputError(`--source ${spec.path}: no such directory`); }
    if (!existsSync(`${dir}/Makefile`) || !existsSync(`${dir}/Kconfig`) || !existsSync(`${dir}/arch/x86`)) throw new BuildInputError(`--source ${spec.path}: not a Linux source tree (no Makefile, Kconfig and arch/x86 at its top)`);
    // An in-tree build leaves these behind, and kbuild refuses an out-of-tree build next to them.
    const dirty = ['.config', 'include/config', 'include/generated'].find((p) => existsSync(`${dir}/${p}`));
    if (dirty) throw new BuildInputError(`--source ${spec.path}: has ${dirty} from an in-tree build; run 'make mrproper' there first`);
    const w = walk(dir);
    return { tree: dir, slotId: `dir:${dir}`, contentId: `dir:${dir}:${walkId(w)}`, label: dir, kconfigCache: null };
  }
  const src = DEBIAN_SOURCES[spec.series];
  if (!src) throw new BuildInputError(`--debian ${spec.series}: want one of ${Object.keys(DEBIAN_SOURCES).join(', ')}`);
  const fetchTool = missingFetchTool();
  if (fetchTool) throw new BuildInputError(fetchTool);
  try {
    const e = await lookup(src, DOWNLOADS, say);
    const dest = `${dirs(cache).src}/${e.pkg}_${e.version}`;
    const prov = provenance(dest);
    if (!prov || prov.sha256 !== e.sha256) {
      rmSync(dest, { recursive: true, force: true });
      const deb = await fetchDeb(e, DOWNLOADS, say);
      say(`unpacking ${e.pkg} ${e.version} into ${dest}`);
      mkdirSync(dirs(cache).src, { recursive: true });
      unpackSource(deb, e, src, dest);
    }
    return { tree: `${dest}/tree`, slotId: `debian:${e.pkg}:${e.version}:${e.sha256}`, contentId: `debian:${e.sha256}`, label: `${e.pkg} ${e.version} (${src.suite})`, kconfigCache: `${dest}/kconfig-symbols.json` };
  } catch (err) {
    if (err instanceof DebianError) throw new BuildInputError(`--debian ${spec.series}: ${err.message}`);
    throw err;
  }
}

/** Every symbol the tree's Kconfig files declare (cached beside an unpacked Debian tree, which never changes). */
function treeSymbols(b: Base): Symbols {
  if (b.kconfigCache && existsSync(b.kconfigCache)) return new Map(JSON.parse(readFileSync(b.kconfigCache, 'utf8')));
  const sym: Symbols = new Map();
  const go = (rel: string) => {
    for (const d of readdirSync(`${b.tree}/${rel}`, { withFileTypes: true })) {
      if (d.isDirectory()) { if (d.name !== '.git') go(`${rel}${d.name}/`); } else if (d.name.startsWith('Kconfig')) scanKconfig(readFileSync(`${b.tree}/${rel}${d.name}`, 'utf8'), sym);
    }
  };
  go('');
  if (b.kconfigCache) writeNew(b.kconfigCache, JSON.stringify([...sym]));
  return sym;
}

export function parsePatches(inputs: readonly PatchInput[]): Patch[] {
  try { return inputs.flatMap((p) => parsePatchFile(p.text, p.name)); } catch (e) { if (e instanceof PatchError) throw new BuildInputError(e.message); throw e; }
}

/** The repo fragments for this build, in order: the minimal guest, then each --debug kind. */
export function repoFragments(debug: readonly DebugKind[]): Setting[][] {
  return [FRAGMENTS.minimal, ...debug.map((k) => FRAGMENTS[k])].map((f) => {
    try { return parseFragment(readFileSync(`${ROOT}${f}`, 'utf8'), f); } catch (e) { if (e instanceof KconfigError) throw new BuildInputError(e.message); throw e; }
  });
}

/** What a slot's tree and objects currently hold: the patched paths, and the config (by hash) its .config was made from. */
interface SlotState { overlay: Record<string, string | null>; configId: string | null }
const loadState = (slot: string): SlotState => { try { return { overlay: {}, configId: null, ...JSON.parse(readFileSync(`${slot}/slot.json`, 'utf8')) }; } catch { return { overlay: {}, configId: null }; } };
const saveState = (slot: string, s: SlotState) => writeNew(`${slot}/slot.json`, JSON.stringify(s, null, 2) + '\n');

/** The first line that says what went wrong in a failed make run, with the slot's tree path stripped. */
export function firstError(log: string, tree: string): string {
  const lines = log.split('\n').map((l) => l.split(`${tree}/`).join(''));
  const pick = lines.find((l) => /(^|\s|:)(fatal )?error:|undefined reference to|No rule to make target|^ERROR: /.test(l))
    ?? lines.find((l) => /\*\*\*/.test(l)) ?? lines.filter((l) => l.trim()).pop() ?? '(no output)';
  return pick.trim();
}

function make(tree: string, obj: string, args: readonly string[], log: string, jobs: number, onLine?: (l: string) => void): Promise<{ ok: boolean; text: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, KBUILD_BUILD_USER: 'furc', KBUILD_BUILD_HOST: 'furc', ...(process.env.CC ? { CC: process.env.CC } : {}) };
    const p = spawn('nice', ['-n', '10', 'make', '-C', tree, `O=${obj}`, `ARCH=${ARCH}`, `-j${jobs}`, ...(process.env.CC ? [`CC=${process.env.CC}`, `HOSTCC=${process.env.CC}`] : []), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(log);
    let text = '', partial = '';
    const take = (d: Buffer) => {
      const s = d.toString('utf8');
      out.write(s);
      text += s;
      if (text.length > 4 << 20) text = text.slice(-(2 << 20));
      if (onLine) { const parts = (partial + s).split('\n'); partial = parts.pop()!; parts.forEach(onLine); }
    };
    p.stdout.on('data', take);
    p.stderr.on('data', take);
    p.on('error', (e) => { out.end(); resolve({ ok: false, text: `cannot run make: ${e.message}` }); });
    p.on('close', (code) => { out.end(); resolve({ ok: code === 0, text }); });
  });
}

/** Builds (or finds in the cache) the image of base + patches + fragments. */
export async function buildImage(base: Base, o: BuildOptions): Promise<Built> {
  const t0 = Date.now();
  const root = o.cache ?? CACHE;
  const d = dirs(root);
  const patches = parsePatches(o.patches);
  const fragments = repoFragments(o.debug);
  const asked = merge(fragments);
  const tiny = TINY_FRAGMENTS.flatMap((f) => { const t = readOr(`${base.tree}/${f}`); return t === null ? [] : [parseFragment(t, f)]; });
  const allconfig = renderAllconfig(merge([...tiny, ...fragments]).values());
  let want: Map<string, string | null>;
  try { want = applySeries(patches, (p) => readOr(`${base.tree}/${p}`)); } catch (e) { if (e instanceof PatchError) throw new BuildInputError(e.message); throw e; }
  const known = treeSymbols(base);
  for (const [p, text] of want) if (/(^|\/)Kconfig[^/]*$/.test(p) && text !== null) scanKconfig(text, known);
  const strange = unknown(asked.values(), known);
  if (strange.length) throw new BuildInputError(`${where(strange[0]!)}: CONFIG_${strange[0]!.name} is not known to this tree (no Kconfig file declares it)`);

  const tool = toolchainId();
  const configId = sha(`${ARCH}\n${allconfig}`);
  const imageKey = sha([base.contentId, configId, tool, ...patches.map((p) => sha(JSON.stringify(p.files)))].join('\n'));
  const image = `${d.images}/${imageKey}`;
  if (existsSync(`${image}/bzImage`)) {
    touch(image);
    const meta = JSON.parse(readFileSync(`${image}/build.json`, 'utf8'));
    return { image: `${image}/bzImage`, release: meta.release, cached: true, seconds: (Date.now() - t0) / 1000, changed: [], slot: null };
  }

  // Only a build needs the compiler and make; an image already in the cache does not.
  const buildTool = missingBuildTool();
  if (buildTool) throw new BuildInputError(buildTool);
  let changed: string[] = [];
  // One slot per source and set of fragments: an edited fragment reconfigures it in place, and kbuild rebuilds what the changed symbols touch.
  const slot = `${d.slots}/${sha(`${base.slotId}\n${[FRAGMENTS.minimal, ...o.debug.map((k) => FRAGMENTS[k])].join(' ')}\n${tool}`).slice(0, 24)}`;
  const release = await lock(slot, o.say);
  try {
    const fresh = !existsSync(`${slot}/tree`);
    try {
      if (fresh) {
        o.say(`new build slot ${slot} for ${base.label}`);
        rmSync(slot, { recursive: true, force: true });
        mkdirSync(`${slot}/obj`, { recursive: true });
        syncMirror(base.tree, `${slot}/tree.part`, new Set());
        renameSync(`${slot}/tree.part`, `${slot}/tree`);
      } else if (base.slotId.startsWith('dir:')) {
        const n = syncMirror(base.tree, `${slot}/tree`, new Set(Object.keys(loadState(slot).overlay)));
        if (n) o.say(`${n} file(s) changed in ${base.label} since the last build`);
      }
      const state = loadState(slot);
      if (state.configId !== configId || !existsSync(`${slot}/obj/.config`)) {
        writeNew(`${slot}/allconfig`, allconfig);
        const r = await make(`${slot}/tree`, `${slot}/obj`, [`KCONFIG_ALLCONFIG=${slot}/allconfig`, 'allnoconfig'], `${slot}/config.log`, 1);
        if (!r.ok) throw new BuildInputError(`kconfig failed: ${firstError(r.text, `${slot}/tree`)}`);
        const bad = mismatches(asked.values(), parseDotConfig(readFileSync(`${slot}/obj/.config`, 'utf8')));
        if (bad.length) { rmSync(`${slot}/obj/.config`, { force: true }); throw new BuildInputError(explain(bad[0]!, known)); }
        state.configId = configId;
        saveState(slot, state);
      }
      // Record the union first: if we die while writing, the next run re-checks every one of these paths.
      const before = new Set(Object.keys(state.overlay));
      saveState(slot, { ...state, overlay: Object.fromEntries([...before, ...want.keys()].map((p) => [p, state.overlay[p] ?? null])) });
      const w = writeOverlay(base.tree, `${slot}/tree`, before, want);
      changed = w.changed;
      saveState(slot, { ...state, overlay: w.overlay });
      if (changed.length) o.say(`patched or restored: ${changed.join(', ')}`);
    } catch (e) {
      if (fresh) rmSync(slot, { recursive: true, force: true });
      throw e;
    }

    o.say(`make -j${o.jobs} bzImage in ${slot}/obj`);
    const r = await make(`${slot}/tree`, `${slot}/obj`, ['bzImage'], `${slot}/build.log`, o.jobs, o.onLine);
    if (!r.ok) throw new BuildFailure(firstError(r.text, `${slot}/tree`));
    const kernelRelease = readFileSync(`${slot}/obj/include/config/kernel.release`, 'utf8').trim();
    const part = `${image}.part-${process.pid}`;
    rmSync(part, { recursive: true, force: true });
    mkdirSync(part, { recursive: true });
    copyFileSync(`${slot}/obj/arch/x86/boot/bzImage`, `${part}/bzImage`);
    copyFileSync(`${slot}/obj/.config`, `${part}/config`);
    writeFileSync(`${part}/build.json`, JSON.stringify({
      release: kernelRelease, source: base.label, contentId: base.contentId, patches: o.patches.map((p) => ({ name: p.name, sha256: sha(p.text) })),
      fragments: [FRAGMENTS.minimal, ...o.debug.map((k) => FRAGMENTS[k])], toolchain: tool, built: new Date().toISOString(), seconds: (Date.now() - t0) / 1000,
    }, null, 2) + '\n');
    rmSync(image, { recursive: true, force: true });
    renameSync(part, image);
    touch(slot);
    evict(root, MAX_BYTES, [slot, image], o.say);
    return { image: `${image}/bzImage`, release: kernelRelease, cached: false, seconds: (Date.now() - t0) / 1000, changed, slot };
  } finally {
    release();
  }
}

/** Size on disk of a file, for messages. */
export const mib = (p: string) => `${(statSync(p).size / 2 ** 20).toFixed(1)} MiB`;
