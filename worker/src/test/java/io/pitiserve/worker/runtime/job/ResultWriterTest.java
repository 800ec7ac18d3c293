package io.pitiserve.worker.runtime.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.image.PngImages;
import io.pitiserve.common.storage.ObjectStoreException;
import io.pitiserve.worker.engine.TranslationResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

class ResultWriterTest {

    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final ExecutorService writers = Executors.newFixedThreadPool(2);
    private final Retrier retrier = new Retrier(Duration.ofMillis(1), Duration.ofMillis(5));
    private final ResultWriter writer = new ResultWriter(store, retrier, writers);

    @AfterEach
    void stop() {
        writers.shutdownNow();
    }

    @Test
    void everySampleThenEveryBaseImageIsStoredAsAPngUnderItsKeyWithItsSizeAndSha256() {
        TranslationResult result = new TranslationResult(List.of(grey(4, 0.5f), grey(4, -0.5f)), 4,
                List.of(grey(2, 1f)), 2, new TranslationResult.Timings(0, 0, 0, 0, 0, 0));

        List<TranslationSucceeded.ResultImage> images = writer.images("tr_1", result, () -> false);

        assertThat(images).extracting(TranslationSucceeded.ResultImage::kind, TranslationSucceeded.ResultImage::index,
                        TranslationSucceeded.ResultImage::key, TranslationSucceeded.ResultImage::width)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("sample", 0, ResultKeys.sample("tr_1", 0), 4),
                        org.assertj.core.groups.Tuple.tuple("sample", 1, ResultKeys.sample("tr_1", 1), 4),
                        org.assertj.core.groups.Tuple.tuple("base", 0, ResultKeys.base("tr_1", 0), 2));
        for (TranslationSucceeded.ResultImage image : images) {
            InMemoryObjectStore.Stored stored = store.stored(image.key());
            assertThat(stored.contentType()).isEqualTo("image/png");
            assertThat(stored.bytes()).hasSize((int) image.bytes());
            assertThat(JobIntake.sha256(stored.bytes())).isEqualTo(image.sha256());
        }
        byte[] second = store.stored(ResultKeys.sample("tr_1", 1)).bytes();
        assertThat(second).isEqualTo(PngImages.encode(grey(4, -0.5f), 3, 4, 4));
    }

    @Test
    void aWriteThatFailsForAWhileIsRetriedUntilItIsStored() {
        AtomicInteger refusals = new AtomicInteger(2);
        ResultWriter flaky = new ResultWriter(new InMemoryObjectStore() {
            @Override
            public void put(String key, byte[] bytes, String contentType) {
                if (refusals.getAndDecrement() > 0) {
                    throw new ObjectStoreException("store away", true, null);
                }
                super.put(key, bytes, contentType);
            }
        }, retrier, writers);
        TranslationResult result = new TranslationResult(List.of(grey(2, 0f)), 2, List.of(), 0,
                new TranslationResult.Timings(0, 0, 0, 0, 0, 0));

        assertThat(flaky.images("tr_2", result, () -> false)).hasSize(1);
        assertThat(refusals.get()).isNegative();
    }

    @Test
    void aJobGivenUpStopsRetryingItsWrites() {
        AtomicInteger tries = new AtomicInteger();
        ResultWriter away = new ResultWriter(new InMemoryObjectStore() {
            @Override
            public void put(String key, byte[] bytes, String contentType) {
                tries.incrementAndGet();
                throw new ObjectStoreException("store away", true, null);
            }
        }, retrier, writers);

        assertThatThrownBy(() -> away.put("k", new byte[1], "image/png", () -> tries.get() >= 3))
                .isInstanceOf(JobAbandonedException.class);
        assertThat(tries).hasValue(3);
    }

    @Test
    void theManifestWrittenIsTheFinishedJobFoundAgain() {
        TranslationSucceeded succeeded = succeeded("tr_3");

        writer.manifest(succeeded, () -> false);

        assertThat(store.stored(ResultKeys.manifest("tr_3")).contentType()).isEqualTo("application/json");
        assertThat(writer.finished("tr_3", () -> false)).contains(succeeded);
        assertThat(writer.finished("tr_4", () -> false)).isEmpty();
    }

    @Test
    void aManifestOfAnotherJobOrOneThatCannotBeReadIsNoFinishedJob() {
        store.put(ResultKeys.manifest("tr_5"), EventCodec.toJson(succeeded("tr_other")), "application/json");
        store.put(ResultKeys.manifest("tr_6"), "{not json".getBytes(StandardCharsets.UTF_8), "application/json");

        assertThat(writer.finished("tr_5", () -> false)).isEmpty();
        assertThat(writer.finished("tr_6", () -> false)).isEmpty();
    }

    private static TranslationSucceeded succeeded(String jobId) {
        return new TranslationSucceeded(jobId, "acme", Instant.parse("2026-12-07T10:00:00Z"), List.of(),
                ResultKeys.manifest(jobId), "micro-mask@1", 7, Map.of("total", 12.5), List.of(), Map.of("k", "v"));
    }

    private static float[] grey(int size, float value) {
        float[] chw = new float[3 * size * size];
        java.util.Arrays.fill(chw, value);
        return chw;
    }
}
