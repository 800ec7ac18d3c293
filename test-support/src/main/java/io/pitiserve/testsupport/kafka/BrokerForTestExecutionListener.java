package io.pitiserve.testsupport.kafka;

import org.springframework.test.annotation.DirtiesContext.HierarchyMode;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.test.context.support.AbstractTestExecutionListener;

/**
 * Closes the application context of a {@link BrokerForTest} class when the class is done, so its
 * beans, then its broker, stop while the class's other resources are still in order.
 *
 * <p>Left in Spring's context cache, every such context (with its consumers) would run to the end
 * of the test JVM and then stop in a shutdown hook, racing the hook that deletes the embedded
 * broker's log directory: hundreds of warnings and stack traces about missing checkpoint files in
 * a run that passed. No two of these classes share a context anyway.
 */
final class BrokerForTestExecutionListener extends AbstractTestExecutionListener {

    @Override
    public int getOrder() {
        // Next to Spring's own DirtiesContextTestExecutionListener.
        return 3_100;
    }

    @Override
    public void afterTestClass(TestContext testContext) {
        if (TestContextAnnotationUtils.hasAnnotation(testContext.getTestClass(), BrokerForTest.class)) {
            testContext.markApplicationContextDirty(HierarchyMode.EXHAUSTIVE);
        }
    }
}
