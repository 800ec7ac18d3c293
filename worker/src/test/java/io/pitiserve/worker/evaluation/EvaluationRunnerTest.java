package io.pitiserve.worker.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pitiserve.common.events.EvaluationSpec;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.TranslationResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The runner's bookkeeping around a translator that paints every output one flat grey (the engine
 * itself is exercised end to end by EvaluationsIT): seeds, progress, stored keys and the table.
 */
class EvaluationRunnerTest {

    private static final ModelManifest DEMO = PitiModel.readManifest(Path.of("src/main/resources/pitiserve/models/demo-mask"));

    private static TranslationResult grey(int base, int sr) {
        float[] chw = new float[3 * 32 * 32];
        Arrays.fill(chw, 0.1f);
        return new TranslationResult(List.of(chw), 32, List.of(), 64,
                new TranslationResult.Timings(1, 2, 3, base, sr, 4));
    }

    @Test
    void everyImageAtEverySettingIsTranslatedStoredScoredAndCounted() {
        List<TranslationParams> asked = new ArrayList<>();
        Map<String, byte[]> stored = new LinkedHashMap<>();
        List<String> progress = new ArrayList<>();
        EvaluationRunner runner = new EvaluationRunner((params, input) -> {
            asked.add(params);
            return grey(3, 2);
        }, key -> Optional.empty(), (key, bytes, type) -> stored.put(key, bytes), (done, total) -> progress.add(done + "/" + total));
        EvaluationSpec spec = new EvaluationSpec(EvaluationSpec.WORLD_HELDOUT, List.of(
                new EvaluationSpec.Setting(null, "3", "2", null, 0, 0),
                new EvaluationSpec.Setting("ddim", "ddim3", "2", "cfg", 1.0, 0)), 2);
        TranslationParams job = new TranslationParams("mask", "demo-mask", 1, 1.3, "cfg", null, null, null, 0, 40,
                false, null, Map.of());

        EvaluationRunner.Outcome outcome = runner.run("tr_abcdefghijklmnopqrstuvwxyz", spec, job, DEMO, "demo-mask@1");

        assertThat(asked).extracting(TranslationParams::seed).containsExactly(40L, 41L, 40L, 41L);
        assertThat(asked).extracting(TranslationParams::sampler).containsExactly(null, null, "ddim", "ddim");
        assertThat(progress).containsExactly("1/4", "2/4", "3/4", "4/4");
        assertThat(stored.keySet()).contains("results/tr_abcdefghijklmnopqrstuvwxyz/evaluation/0/1000000.png",
                "results/tr_abcdefghijklmnopqrstuvwxyz/evaluation/1/1000001.png", outcome.tableKey());
        JsonNode table = JsonMapper.builder().build().readTree(stored.get(outcome.tableKey()));
        assertThat(table.path("images").asInt()).isEqualTo(2);
        JsonNode first = table.path("rows").get(0);
        assertThat(first.path("evaluations_per_image").asInt()).isEqualTo(5);
        assertThat(first.path("guided").asBoolean()).isTrue(); // the model's scale, 1.3
        assertThat(first.path("released_gflop").asDouble()).isEqualTo(3 * 230.0 * 2 + 2 * 1272.0);
        assertThat(table.path("rows").get(1).path("guided").asBoolean()).isFalse();
        // a flat grey picture is no landscape: a low mIoU, a large FD, and classes it never shows are null
        assertThat(first.path("miou").asDouble()).isLessThan(0.3);
        assertThat(first.path("fd").asDouble()).isGreaterThan(100);
        assertThat(first.path("per_class").size()).isEqualTo(9);
    }

    @Test
    void aSpecOfAnotherDatasetOrWithoutSettingsIsRefused() {
        byte[] other = EventCodec.writeJson(new EvaluationSpec("s3://x", List.of(
                new EvaluationSpec.Setting(null, null, null, null, 0, 0)), null));
        byte[] none = EventCodec.writeJson(new EvaluationSpec(EvaluationSpec.WORLD_HELDOUT, List.of(), null));

        assertThatThrownBy(() -> EvaluationRunner.readSpec(other)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown dataset");
        assertThatThrownBy(() -> EvaluationRunner.readSpec(none)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EvaluationRunner.readSpec("{".getBytes())).isInstanceOf(IllegalArgumentException.class);
    }
}
