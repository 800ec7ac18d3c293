package io.pitiserve.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.jobs.JobState;
import io.pitiserve.common.json.WireJsonSerde;

import org.junit.jupiter.api.Test;

class JobViewTest {

    private static final String JOB = "tr_aaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final TranslationParams PARAMS = new TranslationParams("mask", null, 1, 1.3, "cfg", null, null,
            "ddpm", 0, 7, false, null, Map.of("order", "1"));

    @Test
    void aJobMovesQueuedRunningSucceededAndKeepsWhatEachEventCarries() {
        List<String> transitions = new ArrayList<>();
        JobView view = fold(transitions, aRequest(), started(1), progress("base", 10), succeeded());

        assertThat(transitions).containsExactly("null->QUEUED", "QUEUED->RUNNING", "RUNNING->RUNNING",
                "RUNNING->SUCCEEDED");
        assertThat(view.tenant()).isEqualTo("acme");
        assertThat(view.created()).isEqualTo(T0);
        assertThat(view.started()).isEqualTo(T0.plusSeconds(1));
        assertThat(view.finished()).isEqualTo(T0.plusSeconds(9));
        assertThat(view.fingerprint()).isEqualTo(Fingerprints.of(PARAMS, "abc"));
        assertThat(view.results()).hasSize(1);
        assertThat(view.metadata()).containsEntry("order", "1");
        assertThat(view.version()).isEqualTo(4);
    }

    @Test
    void aSucceededJobShowsItsUpsamplerFinishedThoughItsLastStepWasNotReported() {
        JobView view = fold(new ArrayList<>(), aRequest(), started(1), progress("base", 10), progress("upsampler", 5),
                succeeded());

        assertThat(view.progress()).isEqualTo(new JobView.Progress("upsampler", 100, 100));
        // a job whose last report was the base stage keeps it as it was
        assertThat(fold(new ArrayList<>(), aRequest(), started(1), progress("base", 10), succeeded()).progress())
                .isEqualTo(new JobView.Progress("base", 10, 100));
    }

    @Test
    void repeatedAndLateEventsChangeNothing() {
        JobView done = fold(new ArrayList<>(), aRequest(), started(1), succeeded());

        assertThat(JobView.apply(done, succeeded())).isSameAs(done);
        assertThat(JobView.apply(done, progress("base", 50))).isSameAs(done);
        assertThat(JobView.apply(done, new TranslationFailed(JOB, "acme", T0.plusSeconds(20), "internal_error", "x")))
                .isSameAs(done);
        JobView running = fold(new ArrayList<>(), aRequest(), started(1), progress("upsampler", 5));
        assertThat(JobView.apply(running, started(1))).isSameAs(running);
        assertThat(JobView.apply(running, progress("base", 90))).isSameAs(running);
    }

    @Test
    void aRequestReadAfterTheWorkersFirstEventsFillsInWithoutMovingTheStateBack() {
        JobView view = fold(new ArrayList<>(), started(1), aRequest());

        assertThat(view.state()).isEqualTo(JobState.RUNNING);
        assertThat(view.created()).isEqualTo(T0);
        assertThat(view.fingerprint()).isNotNull();
    }

    @Test
    void aViewSurvivesTheJsonOfTheStores() {
        JobView view = fold(new ArrayList<>(), aRequest(), started(1), succeeded());
        WireJsonSerde<JobView> serde = new WireJsonSerde<>(JobView.class);

        JobView read = serde.deserializer().deserialize("t", serde.serializer().serialize("t", view));

        assertThat(read).isEqualTo(view);
    }

    @Test
    void anEvaluationNamesItsModelFromItsRequestOnAndATranslationOnceItSucceeded() {
        TranslationParams named = new TranslationParams("mask", "spade-mask", 1, 1.3, "cfg", null, null, "ddpm", 0, 7,
                false, null, Map.of());
        TranslationRequested evaluation = new TranslationRequested(JOB, "acme", T0, "inputs/acme/" + JOB, "abc",
                "application/json", named, TranslationRequested.EVALUATION);
        TranslationRequested translation = new TranslationRequested(JOB, "acme", T0, "inputs/acme/" + JOB, "abc",
                "image/png", named);

        assertThat(JobView.accepted(evaluation).model()).isEqualTo("spade-mask");
        assertThat(fold(new ArrayList<>(), evaluation, started(1)).model()).isEqualTo("spade-mask");
        // A request read after the worker's events fills it in as well.
        assertThat(fold(new ArrayList<>(), started(1), evaluation).model()).isEqualTo("spade-mask");
        // A translation's model is the one that served it, as its success says.
        assertThat(fold(new ArrayList<>(), translation, started(1)).model()).isNull();
        assertThat(fold(new ArrayList<>(), translation, started(1), succeeded()).model()).isEqualTo("tiny-mask");
    }

    private static JobView fold(List<String> transitions, JobEvent... events) {
        JobView view = null;
        for (JobEvent event : events) {
            JobView next = JobView.apply(view, event);
            transitions.add((view == null ? "null" : view.state()) + "->" + next.state());
            view = next;
        }
        return view;
    }

    private static TranslationRequested aRequest() {
        return new TranslationRequested(JOB, "acme", T0, "inputs/acme/" + JOB, "abc", "image/png", PARAMS);
    }

    private static TranslationStarted started(int attempt) {
        return new TranslationStarted(JOB, "acme", T0.plusSeconds(1), "worker-1", attempt);
    }

    private static TranslationProgress progress(String stage, int step) {
        return new TranslationProgress(JOB, "acme", T0.plusSeconds(2), stage, step, 100);
    }

    private static TranslationSucceeded succeeded() {
        return new TranslationSucceeded(JOB, "acme", T0.plusSeconds(9),
                List.of(new TranslationSucceeded.ResultImage("sample", 0, "results/" + JOB + "/sample-0.png", 10, "ff",
                        256, 256)),
                "results/" + JOB + "/manifest.json", "tiny-mask", 7, Map.of("total", 9000.0), List.of(), Map.of());
    }
}
