package io.pitiserve.bench;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.pitiserve.testsupport.architecture.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The bench module keeps the layout of docs/ARCHITECTURE.md (rules in {@link ArchitectureRules}). */
class ArchitectureTest {

    private static final JavaClasses CLASSES = ArchitectureRules.productionClasses("io.pitiserve.bench");

    @Test
    void benchHasNoPackageCycles() {
        ArchitectureRules.noPackageCycles("io.pitiserve.bench").check(CLASSES);
    }
}
