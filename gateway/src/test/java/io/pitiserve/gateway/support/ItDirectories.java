package io.pitiserve.gateway.support;

import java.nio.file.Path;

import io.pitiserve.common.testing.TestDirectories;

import org.springframework.test.context.DynamicPropertyRegistry;

/** Where an integration test's gateway keeps its files: under the module's {@code target/}. */
public final class ItDirectories {

    private ItDirectories() {
    }

    /**
     * A fresh directory for one gateway: its status view state in it, Tomcat's base directory
     * below it.
     *
     * @return the state directory
     */
    public static Path registerGatewayDirectories(DynamicPropertyRegistry registry, String prefix) {
        Path state = TestDirectories.fresh(prefix);
        registry.add("pitiserve.gateway.state-dir", state::toString);
        registry.add("server.tomcat.basedir", () -> state.resolve("tomcat").toString());
        return state;
    }
}
