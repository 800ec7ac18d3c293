package io.pitiserve.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class InvalidInputExceptionTest {

    @Test
    void everyReasonHasADistinctSnakeCaseCode() {
        assertThat(Arrays.stream(InvalidInputException.Reason.values()).map(reason -> reason.code().wire()))
                .doesNotHaveDuplicates().allMatch(code -> code.matches("[a-z]+(_[a-z]+)*"));
    }

    @Test
    void anInvalidInputIsNeverRetryable() {
        InvalidInputException e = new InvalidInputException(InvalidInputException.Reason.EMPTY_SKETCH, "no edges");

        assertThat(e.retryable()).isFalse();
        assertThat(e.code().wire()).isEqualTo("empty_sketch");
        assertThat(e).hasMessage("no edges");
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> new InputLimits(0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBytes");
        assertThatThrownBy(() -> new InputLimits(1, 1, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxHeight");
    }

    @Test
    void theDefaultLimitsAreEightMebibytesAndFourThousandNinetySixPixelsASide() {
        assertThat(InputLimits.DEFAULT).isEqualTo(new InputLimits(8 << 20, 4096, 4096, 4096L * 4096));
    }
}
