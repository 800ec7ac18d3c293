package io.pitiserve.standalone;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.pitiserve.testsupport.architecture.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The standalone module keeps the layout of docs/ARCHITECTURE.md (rules in {@link ArchitectureRules}). */
class ArchitectureTest {

    private static final JavaClasses CLASSES = ArchitectureRules.productionClasses("io.pitiserve.standalone");

    @Test
    void standaloneHasNoPackageCycles() {
        ArchitectureRules.noPackageCycles("io.pitiserve.standalone").check(CLASSES);
    }
}
