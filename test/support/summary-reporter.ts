// Prints the closing line CI reads ("N passed, N failed, N skipped") and names every skipped suite
// with its reason, so a missing service never hides behind a green run.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedSuites = new Set<string>();
    for (const mod of testModules) {
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed += 1;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else {
          skipped += 1;
          const suite = test.parent.type === 'suite' ? test.parent.name : mod.moduleId;
          skippedSuites.add(`${mod.relativeModuleId}: ${suite}`);
        }
      }
    }
    failed += unhandledErrors.length;
    if (skippedSuites.size > 0) {
      console.log('\nSkipped (not run):');
      for (const s of skippedSuites) console.log(`  - ${s}`);
    }
    console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
