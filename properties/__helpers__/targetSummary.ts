// Vitest reporter: one closing line per target saying how many cases ran and passed there, and why the rest skipped.
import type { Reporter, TestModule } from 'vitest/node';

export default class TargetSummary implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = new Map<string, { passed: number; failed: number; skipped: number; reasons: Map<string, number> }>();
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const target = /\((kernel|model|vm)\)/.exec(t.fullName)?.[1] ?? (t.fullName.startsWith('model against kernel') ? 'kernel' : 'model');
        const c = counts.get(target) ?? { passed: 0, failed: 0, skipped: 0, reasons: new Map() };
        const r = t.result();
        if (r.state === 'passed') c.passed++;
        else if (r.state === 'failed') c.failed++;
        else {
          c.skipped++;
          const why = ((r.state === 'skipped' ? r.note : undefined) ?? 'skipped').replace(/^kernel: /, '').replace(/:.*$/, '');
          c.reasons.set(why, (c.reasons.get(why) ?? 0) + 1);
        }
        counts.set(target, c);
      }
    }
    for (const [target, c] of counts) {
      const reasons = [...c.reasons].map(([w, n]) => `${n}× ${w}`).join('; ');
      console.log(`furc: ${target}: ${c.passed + c.failed} cases ran on ${target} (${c.passed} passed, ${c.failed} failed), ${c.skipped} skipped${reasons ? ` [${reasons}]` : ''}`);
    }
  }
}
