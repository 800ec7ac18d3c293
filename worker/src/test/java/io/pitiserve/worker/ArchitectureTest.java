package io.pitiserve.worker;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.pitiserve.testsupport.architecture.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The worker module keeps the layout of docs/ARCHITECTURE.md (rules in {@link ArchitectureRules}). */
class ArchitectureTest {

    private static final JavaClasses CLASSES = ArchitectureRules.productionClasses("io.pitiserve.worker");

    @Test
    void theWorkerNeverImportsTheGateway() {
        ArchitectureRules.workerDoesNotUseGateway().check(CLASSES);
    }

    @Test
    void theWorkerDoesNotImportStandalone() {
        ArchitectureRules.nothingUsesStandalone().check(CLASSES);
    }

    @Test
    void theWorkerHasNoPackageCycles() {
        ArchitectureRules.noPackageCycles("io.pitiserve.worker").check(CLASSES);
    }
}
