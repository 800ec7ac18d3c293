package io.pitiserve.testsupport.kafka;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The system property {@value BrokerKind#PROPERTY} for a test that sets it: after each test it is
 * as it was before, so the choice of broker of the tests that run later in this JVM is untouched.
 */
final class BrokerKindProperty implements AfterEachCallback {

    private final String before = System.getProperty(BrokerKind.PROPERTY);

    /** Asks for a kind of broker as {@code -Dpitiserve.test.broker=<kind>} would. */
    void set(String kind) {
        System.setProperty(BrokerKind.PROPERTY, kind);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (before == null) {
            System.clearProperty(BrokerKind.PROPERTY);
        } else {
            System.setProperty(BrokerKind.PROPERTY, before);
        }
    }
}
