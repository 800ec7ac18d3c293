package io.pitiserve.gateway;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.pitiserve.testsupport.architecture.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The gateway module keeps the layout of docs/ARCHITECTURE.md (rules in {@link ArchitectureRules}). */
class ArchitectureTest {

    private static final JavaClasses CLASSES = ArchitectureRules.productionClasses("io.pitiserve.gateway");

    @Test
    void theGatewayNeverImportsTheWorker() {
        ArchitectureRules.gatewayDoesNotUseWorker().check(CLASSES);
    }

    @Test
    void theGatewayDoesNotImportStandalone() {
        ArchitectureRules.nothingUsesStandalone().check(CLASSES);
    }

    @Test
    void theGatewayHasNoPackageCycles() {
        ArchitectureRules.noPackageCycles("io.pitiserve.gateway").check(CLASSES);
    }
}
