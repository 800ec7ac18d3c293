package io.pitiserve.worker.scheduler;

import ai.djl.engine.EngineException;
import io.pitiserve.worker.TestResources;
import io.pitiserve.worker.engine.CallShape;
import io.pitiserve.worker.engine.DeviceMemory;
import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.Guidance;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.ProgressListener;
import io.pitiserve.worker.engine.Sampler;
import io.pitiserve.worker.engine.StageKind;
import io.pitiserve.worker.engine.TranslationCancelledException;
import io.pitiserve.worker.engine.TranslationEngine;
import io.pitiserve.worker.engine.TranslationRequest;
import io.pitiserve.worker.engine.TranslationResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The step scheduler on the real micro models through DJL: jobs join and leave the running batch at
 * any step, mixed schedules share decoder calls, results are bit-identical alone and batched,
 * tenants and models are served fairly, cancellation, deadlines, out-of-memory splits, stage policy.
 */
class StepSchedulerTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static PitiModel mask;
    private static PitiModel sketch;

    /** What the progress listeners saw, in order: "job:stage:step". */
    private final List<String> trace = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void load() {
        // Jobs of the micro model take milliseconds per step: look at the trace often.
        org.awaitility.Awaitility.setDefaultPollInterval(Duration.ofMillis(2));
        mask = PitiModel.load(fixture("micro-mask"), new EngineOptions("cpu", true));
        sketch = PitiModel.load(fixture("micro-sketch"), new EngineOptions("cpu", true));
    }

    @AfterAll
    static void close() {
        mask.close();
        sketch.close();
    }

    private static Path fixture(String name) {
        return TestResources.fixtureModel(name);
    }

    private static SchedulerSettings settings(int maxJobs, int baseMaxRows, int baseCallRows) {
        return new SchedulerSettings(maxJobs, new StageLimits(baseMaxRows, baseCallRows), new StageLimits(8, 4),
                StagePolicy.THROUGHPUT, true, 0, Map.of());
    }

    private static TranslationRequest request(PitiModel model, long seed, int samples, String base, String sr,
                                              Sampler sampler, Guidance guidance) {
        int channels = model.manifest().input().channels();
        int size = model.manifest().input().size();
        float[] ref = new float[channels * size * size];
        for (int k = 0; k < ref.length; k++) {
            ref[k] = ((k + seed) % 11) / 5.5f - 1;
        }
        return new TranslationRequest(ref, channels, size, samples, seed, base, sr, sampler, guidance, null, true);
    }

    private static TranslationRequest simple(PitiModel model, long seed, String base, String sr) {
        return request(model, seed, 1, base, sr, new Sampler.Ddpm(), new Guidance(Guidance.Mode.CFG, 1.3));
    }

    /** Short jobs of the micro model submitted one by one, and the order in which they finished. */
    private final class FinishOrder {

        private final List<String> finished = Collections.synchronizedList(new ArrayList<>());
        private final List<CompletableFuture<TranslationResult>> all = new ArrayList<>();

        void submit(StepScheduler scheduler, String id, String tenant, long seed) {
            all.add(scheduler.submit(job(id, tenant, mask, simple(mask, seed, "2", "1")))
                    .whenComplete((r, e) -> finished.add(id)));
        }

        /** Waits for every job submitted (before the scheduler closes, which would stop them). */
        void awaitAll() {
            all.forEach(CompletableFuture::join);
        }

        /** The job ids in the order they finished. */
        List<String> finished() {
            return finished;
        }
    }

    private JobSpec job(String id, String tenant, PitiModel model, TranslationRequest request) {
        return new JobSpec(id, tenant, 0, model, request, tracing(id), () -> false, null);
    }

    private ProgressListener tracing(String id) {
        return (stage, step, of) -> trace.add(id + ":" + stage.label() + ":" + step);
    }

    private static int stepOf(String entry) {
        return Integer.parseInt(entry.substring(entry.lastIndexOf(':') + 1));
    }

    private int firstIndex(String entry) {
        return trace.indexOf(entry);
    }

    private static void assertSameBits(TranslationResult actual, TranslationResult expected) {
        assertThat(actual.images()).hasSameSizeAs(expected.images());
        for (int s = 0; s < expected.images().size(); s++) {
            assertThat(actual.images().get(s)).as("sample %d", s).containsExactly(expected.images().get(s));
            assertThat(actual.baseImages().get(s)).as("base image %d", s).containsExactly(expected.baseImages().get(s));
        }
    }

    @Test
    void aJobGivesTheSameBitsAloneAndInsideMixedBatchesOfOtherStepCountsSamplersAndGuidance() {
        SchedulerSettings settings = settings(8, 16, 4);
        TranslationRequest probe = request(mask, 7, 2, "12", "5", new Sampler.Ddim(0.5),
                new Guidance(Guidance.Mode.NORMALIZED, 2.0));
        TranslationResult alone;
        try (StepScheduler scheduler = new StepScheduler(settings)) {
            alone = scheduler.run(JobSpec.of("alone", "t", mask, probe));
        }
        List<TranslationRequest> others = List.of(
                request(mask, 1, 1, "60", "3", new Sampler.Ddpm(), new Guidance(Guidance.Mode.CFG, 3.0)),
                request(mask, 2, 3, "ddim50", "4", new Sampler.Ddim(0.0), Guidance.NONE),
                request(mask, 3, 1, "30", "6", new Sampler.Ddpm(), new Guidance(Guidance.Mode.NORMALIZED, 1.5)));
        TranslationResult batched;
        StepScheduler.Stats stats;
        try (StepScheduler scheduler = new StepScheduler(settings)) {
            List<CompletableFuture<TranslationResult>> running = new ArrayList<>();
            running.add(scheduler.submit(job("o0", "t", mask, others.get(0))));
            running.add(scheduler.submit(job("o1", "t", mask, others.get(1))));
            // The probe joins while the others are part-way through their own schedules.
            await().atMost(WAIT).until(() -> trace.contains("o0:base:4"));
            CompletableFuture<TranslationResult> probed = scheduler.submit(job("probe", "t", mask, probe));
            await().atMost(WAIT).until(() -> trace.contains("probe:base:3"));
            running.add(scheduler.submit(job("o2", "t", mask, others.get(2))));
            batched = probed.join();
            running.forEach(CompletableFuture::join);
            stats = scheduler.stats();
        }
        assertSameBits(batched, alone);
        assertSameBits(new TranslationEngine(mask).translate(probe, ProgressListener.NONE, () -> false,
                new CallShape(4, true, 0)), alone);
        // The probe really shared its steps: fewer base steps ran than the four jobs' 12 + 60 + 50 + 30.
        assertThat(stats.base().steps()).isLessThan(152);
        assertThat(stats.base().paddingRows()).isGreaterThan(0);
        assertThat(firstIndex("o1:base:1")).isLessThan(firstIndex("probe:base:1"));
        assertThat(firstIndex("probe:base:1")).isLessThan(trace.lastIndexOf("o1:base:50"));
    }

    @Test
    void aJobJoinsTheRunningBatchAtTheNextStepAndLeavesItTheStepItFinishes() {
        try (StepScheduler scheduler = new StepScheduler(settings(4, 16, 4))) {
            CompletableFuture<TranslationResult> longJob = scheduler.submit(job("long", "t", mask,
                    simple(mask, 1, "300", "2")));
            await().atMost(WAIT).until(() -> trace.contains("long:base:5"));
            CompletableFuture<TranslationResult> shortJob = scheduler.submit(job("short", "t", mask,
                    simple(mask, 2, "3", "2")));
            shortJob.join();
            longJob.join();
        }
        int joined = firstIndex("short:base:1");
        int left = firstIndex("short:base:3");
        assertThat(joined).isGreaterThan(firstIndex("long:base:5"));
        // The short job's three steps sit between steps of the long job, which goes on after it left.
        assertThat(left).isLessThan(firstIndex("long:base:300"));
        assertThat(trace.subList(joined, left)).contains("long:base:" + (stepOf(trace.get(joined - 1)) + 1));
    }

    @Test
    void oneTenantsBurstDoesNotStarveAnotherTenantsSingleJob() {
        FinishOrder order = new FinishOrder();
        try (StepScheduler scheduler = new StepScheduler(settings(1, 16, 4))) {
            for (int i = 0; i < 12; i++) {
                order.submit(scheduler, "burst-" + i, "burst", i);
            }
            order.submit(scheduler, "single", "quiet", 99);
            order.awaitAll();
        }
        List<String> finished = order.finished();
        // One job runs at a time: the single job waits for at most the jobs admitted before it arrived.
        assertThat(finished.indexOf("single")).isLessThanOrEqualTo(3);
        assertThat(finished).hasSize(13);
    }

    @Test
    void aFloodingTenantAndASteadyOneTakeTurnsSoTheSteadyTenantsJobsAreNotQueuedBehindTheFlood() {
        FinishOrder order = new FinishOrder();
        try (StepScheduler scheduler = new StepScheduler(settings(1, 16, 4))) {
            for (int i = 0; i < 24; i++) {
                order.submit(scheduler, "flood-" + i, "flood", i);
            }
            for (int i = 0; i < 6; i++) {
                order.submit(scheduler, "steady-" + i, "steady", 100 + i);
            }
            order.awaitAll();
        }
        List<String> finished = order.finished();
        List<Integer> steady = new ArrayList<>();
        for (int k = 0; k < finished.size(); k++) {
            if (finished.get(k).startsWith("steady-")) {
                steady.add(k);
            }
        }
        // Equal shares: once both wait, admissions alternate. The steady tenant's six jobs are done
        // within the first fourteen (a few flood jobs may have been admitted before they arrived),
        // not after the 24 flood jobs, and the flood still runs in between.
        assertThat(steady).hasSize(6);
        assertThat(steady.get(5)).isLessThanOrEqualTo(14);
        for (int k = 1; k < steady.size(); k++) {
            assertThat(steady.get(k) - steady.get(k - 1)).as("completions between steady jobs").isLessThanOrEqualTo(2);
        }
        assertThat(finished.subList(0, 14)).filteredOn(id -> id.startsWith("flood-")).hasSizeGreaterThanOrEqualTo(5);
        assertThat(finished).hasSize(30);
    }

    @Test
    void twoModelsLoadedAtOnceTakeTurnsStepByStep() {
        try (StepScheduler scheduler = new StepScheduler(settings(8, 16, 4))) {
            List<CompletableFuture<TranslationResult>> masks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                masks.add(scheduler.submit(job("mask-" + i, "t", mask, simple(mask, i, "100", "2"))));
            }
            CompletableFuture<TranslationResult> sketchJob = scheduler.submit(job("sketch", "t", sketch,
                    simple(sketch, 5, "6", "2")));
            TranslationResult drawn = sketchJob.join();
            assertThat(drawn.images()).hasSize(1);
            masks.forEach(CompletableFuture::join);
        }
        // Taking turns, the sketch job's 6 base steps interleave with the masks' 100; waiting its
        // turn per model, it would start only after them. The margin absorbs a late submission.
        assertThat(firstIndex("sketch:upsampler:2")).isLessThan(firstIndex("mask-0:base:100"));
    }

    @Test
    void aJobCancelledMidBatchLeavesAtTheNextStepAndAWaitingJobTakesItsRowsWhileTheOthersResultsStayTheSame() {
        SchedulerSettings settings = settings(8, 4, 4);
        TranslationRequest keep = simple(mask, 11, "30", "3");
        TranslationResult keptAlone;
        try (StepScheduler scheduler = new StepScheduler(settings)) {
            keptAlone = scheduler.run(JobSpec.of("kept", "t", mask, keep));
        }
        AtomicBoolean cancel = new AtomicBoolean();
        TranslationResult kept;
        try (StepScheduler scheduler = new StepScheduler(settings)) {
            CompletableFuture<TranslationResult> keptJob = scheduler.submit(job("kept", "t", mask, keep));
            ProgressListener cancelAtFive = (stage, step, of) -> {
                trace.add("victim:" + stage.label() + ":" + step);
                if (step == 5) {
                    cancel.set(true);
                }
            };
            CompletableFuture<TranslationResult> victim = scheduler.submit(new JobSpec("victim", "t", 0, mask,
                    simple(mask, 12, "30", "3"), cancelAtFive, cancel::get, null));
            // Base rows are full (two guided jobs): this one waits until the victim's rows are free.
            CompletableFuture<TranslationResult> waiting = scheduler.submit(job("waiting", "t", mask,
                    simple(mask, 13, "3", "2")));
            assertThatThrownBy(victim::join).isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(TranslationCancelledException.class)
                    .hasMessageContaining("cancelled during the base stage at step 5 of 30");
            waiting.join();
            kept = keptJob.join();
        }
        assertThat(trace).doesNotContain("victim:base:6");
        assertThat(firstIndex("waiting:base:1")).isGreaterThan(firstIndex("victim:base:5"));
        assertThat(firstIndex("waiting:base:1")).isLessThan(firstIndex("kept:base:30"));
        assertSameBits(kept, keptAlone);
    }

    @Test
    void aJobPastItsDeadlineIsDroppedAndTheNextOneRuns() {
        try (StepScheduler scheduler = new StepScheduler(settings(2, 16, 4))) {
            CompletableFuture<TranslationResult> late = scheduler.submit(new JobSpec("late", "t", 0, mask,
                    simple(mask, 1, "5", "2"), ProgressListener.NONE, () -> false, Instant.now().minusSeconds(1)));
            TranslationResult onTime = scheduler.run(new JobSpec("on-time", "t", 0, mask, simple(mask, 2, "5", "2"),
                    ProgressListener.NONE, () -> false, Instant.now().plusSeconds(600)));
            assertThatThrownBy(late::join).hasCauseInstanceOf(DeadlineExceededException.class);
            assertThat(onTime.images()).hasSize(1);
        }
    }

    @Test
    void waitingJobsAreAdmittedHighestPriorityFirstWhateverTheirArrivalOrder() {
        List<String> finished = Collections.synchronizedList(new ArrayList<>());
        try (StepScheduler scheduler = new StepScheduler(settings(1, 16, 4))) {
            CompletableFuture<TranslationResult> first = scheduler.submit(job("first", "t", mask,
                    simple(mask, 1, "20", "1")));
            // Only one job is admitted at a time: the others queue behind the first one.
            await().atMost(Duration.ofSeconds(60)).until(() -> trace.contains("first:base:1"));
            List<CompletableFuture<TranslationResult>> queued = new ArrayList<>();
            int[] priorities = {2, 5, 9, 0, 9};
            for (int k = 0; k < priorities.length; k++) {
                String id = "p" + priorities[k] + "-" + k;
                queued.add(scheduler.submit(new JobSpec(id, "t", priorities[k], mask, simple(mask, 10 + k, "2", "1"),
                        ProgressListener.NONE, () -> false, null)).whenComplete((r, e) -> finished.add(id)));
            }
            first.join();
            queued.forEach(CompletableFuture::join);
        }
        // Equal priorities keep their arrival order.
        assertThat(finished).containsExactly("p9-2", "p9-4", "p5-1", "p2-0", "p0-3");
    }

    @Test
    void aStepThatRunsOutOfDeviceMemorySplitsItsCallsAndLosesNoJob() {
        // Calls of 2 rows in both stages, and calls of 8 and 4 rows on a device that holds only 2.
        SchedulerSettings small = settings(8, 16, 2).withStages(new StageLimits(16, 2), new StageLimits(8, 2));
        SchedulerSettings tooBig = settings(8, 16, 8).withDeviceRowLimit(2);
        List<TranslationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            requests.add(simple(mask, 20 + i, "6", "2"));
        }
        List<TranslationResult> expected = new ArrayList<>();
        try (StepScheduler scheduler = new StepScheduler(small)) {
            for (int i = 0; i < requests.size(); i++) {
                expected.add(scheduler.run(JobSpec.of("alone-" + i, "t", mask, requests.get(i))));
            }
        }
        try (StepScheduler scheduler = new StepScheduler(tooBig)) {
            List<CompletableFuture<TranslationResult>> futures = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                futures.add(scheduler.submit(JobSpec.of("split-" + i, "t", mask, requests.get(i))));
            }
            for (int i = 0; i < requests.size(); i++) {
                assertSameBits(futures.get(i).join(), expected.get(i));
            }
            assertThat(scheduler.stats().base().outOfMemorySplits()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void onlyDeviceAllocationFailuresCountAsOutOfMemory() {
        assertThat(DeviceMemory.isOutOfMemory(new EngineException("CUDA out of memory. Tried to allocate 2.00 GiB")))
                .isTrue();
        assertThat(DeviceMemory.isOutOfMemory(new RuntimeException("step failed",
                new EngineException("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory"))))
                .isTrue();
        assertThat(DeviceMemory.isOutOfMemory(new EngineException("Expected 4-dimensional input"))).isFalse();
        assertThat(DeviceMemory.isOutOfMemory(new OutOfMemoryError("Java heap space"))).isFalse();
    }

    @Test
    void theLatencyPolicyFinishesUpsamplingBeforeNewBaseWorkAndTheThroughputPolicyOverlapsThem() {
        // Base rows for one guided job only: jobs go through the base stage one after the other.
        SchedulerSettings oneAtATime = settings(4, 2, 2);
        for (StagePolicy policy : StagePolicy.values()) {
            trace.clear();
            try (StepScheduler scheduler = new StepScheduler(oneAtATime.withPolicy(policy))) {
                CompletableFuture<TranslationResult> first = scheduler.submit(job("first", "t", mask,
                        simple(mask, 1, "3", "15")));
                CompletableFuture<TranslationResult> second = scheduler.submit(job("second", "t", mask,
                        simple(mask, 2, "3", "3")));
                first.join();
                second.join();
            }
            int firstDone = firstIndex("first:upsampler:15");
            int secondStarts = firstIndex("second:base:1");
            if (policy == StagePolicy.LATENCY) {
                assertThat(secondStarts).as(policy.name()).isGreaterThan(firstDone);
            } else {
                assertThat(secondStarts).as(policy.name()).isLessThan(firstDone);
            }
        }
    }

    @Test
    void aRequestThatDoesNotFitTheModelIsRefusedAtSubmissionAndAClosedSchedulerTakesNoMore() {
        StepScheduler scheduler = new StepScheduler(settings(2, 16, 4));
        assertThatThrownBy(() -> scheduler.submit(JobSpec.of("bad", "t", mask, simple(mask, 1, "0", "2"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> scheduler.submit(JobSpec.of("sketch-on-mask", "t", mask,
                simple(sketch, 1, "5", "2")))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes 3 x 64 x 64 inputs");
        scheduler.close();
        assertThatThrownBy(() -> scheduler.submit(JobSpec.of("late", "t", mask, simple(mask, 1, "5", "2"))))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void stageLimitsAndSettingsRefuseImpossibleNumbers() {
        assertThatThrownBy(() -> new StageLimits(4, 8)).hasMessageContaining("rows per decoder call must be in 1..4");
        assertThatThrownBy(() -> new StageLimits(0, 1)).hasMessageContaining("max rows per step must be >= 1");
        assertThatThrownBy(() -> settings(0, 4, 4)).hasMessageContaining("max jobs must be >= 1");
        assertThatThrownBy(() -> settings(1, 4, 4).withTenantWeights(Map.of("a", 0)))
                .hasMessageContaining("tenant weight of a must be >= 1");
    }
}
