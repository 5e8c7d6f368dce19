package dev.vit4j.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints, in the build's own output, every test that did not run and why (a missing chromium, python3, …): Surefire
 * alone only counts them and leaves the reason in its report files. Registered for every module through
 * {@code META-INF/services} in vit4j-core's test jar.
 */
public final class SkippedTestReporter implements TestExecutionListener {

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        report(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            report(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    private static void report(TestIdentifier test, String reason) {
        String where = test.getSource().map(Object::toString).orElse(test.getUniqueId());
        where = where.replaceAll(".*\\[className = '([^']*)'(, methodName = '([^']*)')?.*", "$1 $3")
                .trim();
        System.out.println("[SKIPPED] " + where + ": " + reason);
    }
}
