package io.pitiserve.testsupport.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The layout of piti-serve's modules (docs/ARCHITECTURE.md), as rules every module's
 * {@code ArchitectureTest} checks against its own production classes, so that a build breaks on
 * the first import that bends it.
 */
public final class ArchitectureRules {

    private static final String OURS = "io.pitiserve..";
    private static final String CLIENT = "io.pitiserve.client..";
    private static final String CLIENT_WEBHOOK = "io.pitiserve.client.webhook..";
    private static final String COMMON = "io.pitiserve.common..";
    private static final String GATEWAY = "io.pitiserve.gateway..";
    private static final String WORKER = "io.pitiserve.worker..";
    private static final String STANDALONE = "io.pitiserve.standalone..";

    private ArchitectureRules() {
    }

    /** The production classes of one module, by its root package (e.g. {@code io.pitiserve.gateway}). */
    public static JavaClasses productionClasses(String rootPackage) {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS).importPackages(rootPackage);
    }

    /** Gateway and worker never see each other: they meet only in events, topics and the object store. */
    public static ArchRule gatewayDoesNotUseWorker() {
        return noClasses().that().resideInAPackage(GATEWAY).should().dependOnClassesThat().resideInAPackage(WORKER)
                .because("gateway and worker share contracts through common, never code");
    }

    public static ArchRule workerDoesNotUseGateway() {
        return noClasses().that().resideInAPackage(WORKER).should().dependOnClassesThat().resideInAPackage(GATEWAY)
                .because("gateway and worker share contracts through common, never code");
    }

    /** Nothing but standalone itself sees standalone: it is the top of the graph. */
    public static ArchRule nothingUsesStandalone() {
        return noClasses().that().resideInAPackage(OURS).and().resideOutsideOfPackage(STANDALONE)
                .should().dependOnClassesThat().resideInAPackage(STANDALONE)
                .because("standalone assembles gateway and worker for one JVM; no app depends on it");
    }

    /** Common is a leaf: of ours only the client's webhook contract, and no Spring. */
    public static ArchRule commonIsALeaf() {
        return noClasses().that().resideInAPackage(COMMON).should().dependOnClassesThat(
                resideInAnyPackage(GATEWAY, WORKER, STANDALONE, "org.springframework..")
                        .or(resideInAPackage(CLIENT).and(not(resideInAPackage(CLIENT_WEBHOOK)))))
                .because("common holds the contracts both apps share; only the apps know Spring");
    }

    /**
     * No cycles between the packages right under {@code rootPackage} (e.g. {@code gateway.api} and
     * {@code gateway.auth}), each counted with its sub-packages; the root package's own classes
     * (e.g. {@code standalone}'s commands) are a slice of their own.
     */
    public static ArchRule noPackageCycles(String rootPackage) {
        return slices().assignedFrom(new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                String name = javaClass.getPackageName();
                if (name.equals(rootPackage)) {
                    return SliceIdentifier.of("(" + rootPackage + ")");
                }
                if (!name.startsWith(rootPackage + ".")) {
                    return SliceIdentifier.ignore();
                }
                String rest = name.substring(rootPackage.length() + 1);
                int dot = rest.indexOf('.');
                return SliceIdentifier.of(dot < 0 ? rest : rest.substring(0, dot));
            }

            @Override
            public String getDescription() {
                return "the packages right under " + rootPackage + " and " + rootPackage + " itself";
            }
        }).should().beFreeOfCycles();
    }
}
