package io.pitiserve.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** The one assertion the image tests share: an input refused with a stable code. */
final class InputRefusals {

    private InputRefusals() {
    }

    /**
     * Asserts that {@code call} throws an {@link InvalidInputException} whose wire code is {@code code};
     * the answer takes further checks of the message.
     */
    static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(ThrowingCallable call, String code) {
        return assertThatThrownBy(call).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.code().wire()).isEqualTo(code));
    }
}
