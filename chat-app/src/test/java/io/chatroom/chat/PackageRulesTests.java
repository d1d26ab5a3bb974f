package io.chatroom.chat;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chat-app's package map, as docs/architecture.md draws it: each feature package has one job,
 * dependencies point one way (config wires everything and nothing depends on it; the root package
 * holds settings and error codes and depends on no feature), and there is no cycle.
 */
class PackageRulesTests {
    private static final String ROOT = "io.chatroom.chat";
    private static final JavaClasses CLASSES =
            new ClassFileImporter()
                    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages(ROOT);

    /** The feature packages of docs/architecture.md's map. */
    private static final List<String> FEATURES =
            List.of(
                    "stomp",
                    "presence",
                    "logging",
                    "room",
                    "session",
                    "subscription",
                    "send",
                    "cluster");

    @Test
    void everyPackageIsOnTheMap() {
        // A package the rules below do not name would escape them, and so would an empty import.
        assertThat(
                        CLASSES.stream()
                                .map(JavaClass::getPackageName)
                                .map(p -> p.equals(ROOT) ? "" : p.substring(ROOT.length() + 1))
                                .map(p -> p.split("\\.")[0])
                                .collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(
                        Stream.concat(Stream.of("", "config"), FEATURES.stream()).toList());
    }

    @Test
    void packagesFormNoCycle() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void noFeatureDependsOnTheWiring() {
        noClasses()
                .that()
                .resideOutsideOfPackage(ROOT + ".config..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(ROOT + ".config..")
                .check(CLASSES);
    }

    @Test
    void theRootPackageDependsOnNoFeature() {
        noClasses()
                .that()
                .resideInAPackage(ROOT)
                .should()
                .dependOnClassesThat()
                .resideInAPackage(ROOT + ".(*)..")
                .check(CLASSES);
    }

    @Test
    void featuresDependOnlyOnWhatTheMapAllows() {
        allowOnly("stomp");
        allowOnly("presence");
        allowOnly("logging");
        allowOnly("room", "stomp", "presence");
        allowOnly("session", "stomp");
        allowOnly("subscription", "room", "stomp");
        allowOnly("send", "room", "stomp");
        allowOnly("cluster", "room", "session", "send");
    }

    private static void allowOnly(String feature, String... allowed) {
        String[] forbidden =
                FEATURES.stream()
                        .filter(p -> !p.equals(feature))
                        .filter(p -> !Arrays.asList(allowed).contains(p))
                        .map(p -> ROOT + "." + p + "..")
                        .toArray(String[]::new);
        noClasses()
                .that()
                .resideInAPackage(ROOT + "." + feature + "..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(forbidden)
                .as(feature + " depends on no feature but [" + String.join(", ", allowed) + "]")
                .check(CLASSES);
    }
}
