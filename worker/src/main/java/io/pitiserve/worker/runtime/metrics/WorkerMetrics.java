package io.pitiserve.worker.runtime.metrics;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.pitiserve.worker.scheduler.StepScheduler;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * The worker's Prometheus metrics beyond the per-job ones {@code JobRunner} records
 * ({@code pitiserve_worker_jobs_total}, {@code pitiserve_worker_job_duration_seconds},
 * {@code pitiserve_worker_stage_duration_seconds}, {@code pitiserve_worker_step_duration_seconds}):
 * <ul>
 *   <li>{@code pitiserve_worker_queue_lag_records} - requests waiting in the partitions assigned to
 *       this worker (the requests consumer's lag, summed over its partitions)</li>
 *   <li>{@code pitiserve_worker_steps_total{stage}} and {@code pitiserve_worker_step_rows_total{stage}} -
 *       denoising steps run and trajectory rows stepped; their rates' ratio is the mean batch size</li>
 *   <li>{@code pitiserve_worker_batch_rows{stage}} - mean rows per step since the previous scrape</li>
 *   <li>{@code pitiserve_worker_scheduler_jobs{state=waiting|admitted}}</li>
 * </ul>
 * Every {@code pitiserve.worker.*} meter carries the served model as tag {@code model}; no meter is
 * tagged by job.
 */
public final class WorkerMetrics {

    private static final String FETCH_METRICS = "consumer-fetch-manager-metrics";

    private final MeterRegistry registry;
    private final AtomicReference<Consumer<?, ?>> requestConsumer = new AtomicReference<>();

    /**
     * Tags every {@code pitiserve.worker.*} meter with the served model, {@code name@version}, resolved
     * when the first such meter is registered. A bean, so that Spring applies it before any meter exists.
     */
    public static MeterFilter modelTag(Supplier<String> model) {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith("pitiserve.worker.") && id.getTag("model") == null
                        ? id.withTag(Tag.of("model", model.get())) : id;
            }
        };
    }

    public WorkerMetrics(MeterRegistry registry, StepScheduler scheduler) {
        this.registry = registry;
        Gauge.builder("pitiserve.worker.queue.lag", this, WorkerMetrics::queueLag)
                .description("Requests waiting in the requests partitions assigned to this worker")
                .baseUnit("records")
                .register(registry);
        for (String stage : new String[] {"base", "upsampler"}) {
            ToLongFunction<StepScheduler.Stats> steps = stats -> stageOf(stats, stage).steps();
            ToLongFunction<StepScheduler.Stats> rows = stats -> stageOf(stats, stage).rows();
            FunctionCounter.builder("pitiserve.worker.steps", scheduler, s -> steps.applyAsLong(s.stats()))
                    .description("Denoising steps run, each over the stage's whole running batch")
                    .tag("stage", stage).register(registry);
            FunctionCounter.builder("pitiserve.worker.step.rows", scheduler, s -> rows.applyAsLong(s.stats()))
                    .description("Trajectory rows stepped; divided by steps, the mean batch size")
                    .tag("stage", stage).register(registry);
            Gauge.builder("pitiserve.worker.batch.rows", new BatchSize(scheduler, steps, rows), BatchSize::sinceLast)
                    .description("Mean rows per denoising step since the previous scrape (0 when idle)")
                    .tag("stage", stage).register(registry);
        }
        Gauge.builder("pitiserve.worker.scheduler.jobs", scheduler, s -> s.stats().waiting())
                .description("Jobs in the step scheduler").tag("state", "waiting").register(registry);
        Gauge.builder("pitiserve.worker.scheduler.jobs", scheduler, s -> s.stats().admitted())
                .description("Jobs in the step scheduler").tag("state", "admitted").register(registry);
    }

    /** The requests consumers from {@code consumers}, each watched for the queue-lag gauge while it is the latest. */
    public <K, V> Supplier<Consumer<K, V>> observed(Supplier<Consumer<K, V>> consumers) {
        return () -> {
            Consumer<K, V> consumer = consumers.get();
            requestConsumer.set(consumer);
            return consumer;
        };
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The sum of the consumer's per-partition {@code records-lag}; 0 before it has fetched. */
    private double queueLag() {
        Consumer<?, ?> consumer = requestConsumer.get();
        if (consumer == null) {
            return 0;
        }
        double lag = 0;
        try {
            for (Map.Entry<MetricName, ? extends Metric> metric : consumer.metrics().entrySet()) {
                MetricName name = metric.getKey();
                if (FETCH_METRICS.equals(name.group()) && "records-lag".equals(name.name())
                        && name.tags().containsKey("partition")
                        && metric.getValue().metricValue() instanceof Double value && !value.isNaN()) {
                    lag += value;
                }
            }
        } catch (RuntimeException e) {
            return Double.NaN; // a consumer closing under the scrape
        }
        return lag;
    }

    private static StepScheduler.StageStats stageOf(StepScheduler.Stats stats, String stage) {
        return stage.equals("base") ? stats.base() : stats.upsampler();
    }

    /** Rows per step between two reads of the scheduler's counters. */
    private static final class BatchSize {

        private final StepScheduler scheduler;
        private final ToLongFunction<StepScheduler.Stats> steps;
        private final ToLongFunction<StepScheduler.Stats> rows;
        private long lastSteps;
        private long lastRows;

        BatchSize(StepScheduler scheduler, ToLongFunction<StepScheduler.Stats> steps,
                  ToLongFunction<StepScheduler.Stats> rows) {
            this.scheduler = scheduler;
            this.steps = steps;
            this.rows = rows;
        }

        synchronized double sinceLast() {
            StepScheduler.Stats stats = scheduler.stats();
            long s = steps.applyAsLong(stats);
            long r = rows.applyAsLong(stats);
            double mean = s == lastSteps ? 0.0 : (double) (r - lastRows) / (s - lastSteps);
            lastSteps = s;
            lastRows = r;
            return mean;
        }
    }
}
