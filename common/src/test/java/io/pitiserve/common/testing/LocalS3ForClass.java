package io.pitiserve.common.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link LocalS3Server} for the tests of one class: started before the class's first test (and
 * before its own {@code @BeforeAll} methods), closed after its last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LocalS3ForClass s3 = new LocalS3ForClass();
 * }</pre>
 */
public final class LocalS3ForClass implements BeforeAllCallback, AfterAllCallback {

    private LocalS3Server server;

    /** The running server; only while the class's tests run. */
    public LocalS3Server server() {
        if (server == null) {
            throw new IllegalStateException("the S3 server runs only while the class's tests do");
        }
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = LocalS3Server.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            server.close();
        } finally {
            server = null;
        }
    }
}
