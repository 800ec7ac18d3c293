package io.pitiserve.worker.runtime.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.image.InputKind;
import io.pitiserve.common.image.InputLimits;
import io.pitiserve.common.image.InvalidInputException;
import io.pitiserve.worker.engine.PitiModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

class JobIntakeTest {

    private static PitiModel mask;
    private static PitiModel sketch;

    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final JobIntake intake = new JobIntake(store);

    @BeforeAll
    static void load() {
        mask = Models.microMask();
        sketch = Models.microSketch();
    }

    @AfterAll
    static void unload() {
        mask.close();
        sketch.close();
    }

    @Test
    void aStoredInputIsReadAndAMissingOneIsEmpty() {
        store.put("inputs/a.png", new byte[] {1, 2, 3}, "image/png");

        assertThat(intake.read("inputs/a.png")).hasValueSatisfying(bytes -> assertThat(bytes).containsExactly(1, 2, 3));
        assertThat(intake.read("inputs/none.png")).isEmpty();
    }

    @Test
    void anInputOverTheSizeLimitIsRefusedAsTooLargeWithItsSize() {
        int size = (int) InputLimits.DEFAULT.maxBytes() + 1;
        store.put("inputs/big.png", new byte[size], "image/png");

        assertThatThrownBy(() -> intake.read("inputs/big.png"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.reason()).isEqualTo(InvalidInputException.Reason.INPUT_TOO_LARGE);
                    assertThat(e.getMessage()).contains(String.valueOf(size));
                });
    }

    @Test
    void anInputMatchingItsRecordedSha256IsAcceptedWhateverTheCaseOfTheHex() {
        byte[] bytes = "png".getBytes(StandardCharsets.UTF_8);
        TranslationRequested request = request(JobIntake.sha256(bytes).toUpperCase());

        assertThat(JobIntake.verified(request, Optional.of(bytes), "input object")).isSameAs(bytes);
        assertThat(JobIntake.verified(request("  "), Optional.of(bytes), "input object")).isSameAs(bytes);
    }

    @Test
    void aMissingInputFailsAsNotFoundAndAChangedOneAsAnInternalError() {
        byte[] bytes = "png".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> JobIntake.verified(request(null), Optional.empty(), "input object"))
                .isInstanceOfSatisfying(JobFailure.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining("input object inputs/a.png does not exist");
        assertThatThrownBy(() -> JobIntake.verified(request(JobIntake.sha256(new byte[] {9})), Optional.of(bytes),
                "evaluation spec"))
                .isInstanceOfSatisfying(JobFailure.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL_ERROR))
                .hasMessageContaining("evaluation spec inputs/a.png does not match");
    }

    @Test
    void aRequestWithoutParamsFailsAsAParameterProblem() {
        TranslationRequested request = new TranslationRequested("tr_1", "acme", Instant.EPOCH, "inputs/a.png", null,
                "image/png", null);

        assertThatThrownBy(() -> JobIntake.params(request))
                .isInstanceOfSatisfying(JobFailure.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER));
    }

    @Test
    void theTaskIsTheOneTheLaneModelServesAskedByNameVersionOrNone() {
        assertThat(JobIntake.task(params("mask", null), mask)).isEqualTo(InputKind.MASK);
        assertThat(JobIntake.task(params("mask", "micro-mask"), mask)).isEqualTo(InputKind.MASK);
        assertThat(JobIntake.task(params("mask", mask.manifest().version()), mask)).isEqualTo(InputKind.MASK);
        assertThat(JobIntake.task(params("sketch", " "), sketch)).isEqualTo(InputKind.SKETCH);
    }

    @Test
    void aMissingOrUnknownTaskIsAParameterProblem() {
        assertThat(failure(params(null, null), mask).code()).isEqualTo(ErrorCode.INVALID_PARAMETER);
        assertThat(failure(params("painting", null), mask).code()).isEqualTo(ErrorCode.INVALID_PARAMETER);
    }

    @Test
    void aLaneNotServedATaskOfAnotherKindOrAnotherModelVersionIsAnUnknownModel() {
        assertThat(failure(params("mask", null), null).code()).isEqualTo(ErrorCode.UNKNOWN_MODEL);
        assertThat(failure(params("sketch", null), mask).getMessage())
                .contains("serves mask inputs; no model here for task sketch");
        JobFailure otherVersion = failure(params("mask", "micro-mask@1999-01-01.1"), mask);
        assertThat(otherVersion.code()).isEqualTo(ErrorCode.UNKNOWN_MODEL);
        assertThat(otherVersion.getMessage()).contains("is not served on this lane");
    }

    private static JobFailure failure(TranslationParams params, PitiModel model) {
        try {
            JobIntake.task(params, model);
        } catch (JobFailure e) {
            return e;
        }
        throw new AssertionError("the task was accepted");
    }

    private static TranslationParams params(String task, String model) {
        return new TranslationParams(task, model, 1, 0, null, null, null, null, 0, 7, false, null, null);
    }

    private static TranslationRequested request(String sha256) {
        return new TranslationRequested("tr_1", "acme", Instant.EPOCH, "inputs/a.png", sha256, "image/png",
                params("mask", null));
    }
}
