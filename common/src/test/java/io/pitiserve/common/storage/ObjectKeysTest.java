package io.pitiserve.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ObjectKeysTest {

    @Test
    void keysFollowTheAgreedLayout() {
        assertThat(ObjectKeys.input("acme", "tr_x")).isEqualTo("inputs/acme/tr_x");
        assertThat(ObjectKeys.sample("tr_x", 0)).isEqualTo("results/tr_x/sample-0.png");
        assertThat(ObjectKeys.base("tr_x", 3)).isEqualTo("results/tr_x/base-3.png");
        assertThat(ObjectKeys.manifest("tr_x")).isEqualTo("results/tr_x/manifest.json");
    }

    @Test
    void aSegmentThatWouldEscapeItsFolderIsRefused() {
        assertThatThrownBy(() -> ObjectKeys.input("acme/../other", "tr_x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectKeys.manifest("..")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectKeys.sample("tr_x", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
