package io.pitiserve.common;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.pitiserve.testsupport.architecture.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The common module keeps the layout of docs/ARCHITECTURE.md (rules in {@link ArchitectureRules}). */
class ArchitectureTest {

    private static final JavaClasses CLASSES = ArchitectureRules.productionClasses("io.pitiserve.common");

    @Test
    void commonImportsNothingOfOursButTheWebhookContractAndNoSpring() {
        ArchitectureRules.commonIsALeaf().check(CLASSES);
    }

    @Test
    void commonDoesNotImportStandalone() {
        ArchitectureRules.nothingUsesStandalone().check(CLASSES);
    }

    @Test
    void commonHasNoPackageCycles() {
        ArchitectureRules.noPackageCycles("io.pitiserve.common").check(CLASSES);
    }
}
