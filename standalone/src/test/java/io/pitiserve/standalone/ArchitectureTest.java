package io.pitiserve.standalone;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.pitiserve.testsupport.architecture.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The standalone module keeps the layout of docs/ARCHITECTURE.md (rules in {@link ArchitectureRules}). */
class ArchitectureTest {

    /**
     * Without {@code standalone.bench}: the benchmarks and the commands still import each other
     * there, and they are leaving this module for their own.
     */
    private static final JavaClasses CLASSES = ArchitectureRules.productionClasses("io.pitiserve.standalone")
            .that(com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage(
                    "io.pitiserve.standalone.bench.."));

    @Test
    void standaloneHasNoPackageCycles() {
        ArchitectureRules.noPackageCycles("io.pitiserve.standalone").check(CLASSES);
    }
}
