package io.pitiserve.common.jobs;

import static io.pitiserve.common.events.SampleEvents.aCancellationRequest;
import static io.pitiserve.common.events.SampleEvents.aCancelledJob;
import static io.pitiserve.common.events.SampleEvents.aFailedJob;
import static io.pitiserve.common.events.SampleEvents.aRequestedJob;
import static io.pitiserve.common.events.SampleEvents.aStartedJob;
import static io.pitiserve.common.events.SampleEvents.aSucceededJob;
import static io.pitiserve.common.events.SampleEvents.someProgress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import io.pitiserve.common.events.JobEvent;
import org.junit.jupiter.api.Test;

class JobTransitionsTest {

    @Test
    void aJobThatSucceedsGoesQueuedRunningSucceeded() {
        assertThat(transitions(aRequestedJob(), aStartedJob(), someProgress(), someProgress(), aSucceededJob()))
                .containsExactly("QUEUED", "QUEUED->RUNNING", "RUNNING->SUCCEEDED");
    }

    @Test
    void aJobThatFailsGoesQueuedRunningFailed() {
        assertThat(transitions(aRequestedJob(), aStartedJob(), aFailedJob()))
                .containsExactly("QUEUED", "QUEUED->RUNNING", "RUNNING->FAILED");
    }

    @Test
    void aJobCancelledWhileQueuedNeverRuns() {
        assertThat(transitions(aRequestedJob(), aCancellationRequest(), aCancelledJob(), aStartedJob()))
                .containsExactly("QUEUED", "QUEUED->CANCELLED");
    }

    @Test
    void aJobRejectedBeforeItStartsGoesQueuedFailed() {
        assertThat(transitions(aRequestedJob(), aFailedJob())).containsExactly("QUEUED", "QUEUED->FAILED");
    }

    @Test
    void progressWithoutAStartedEventStillMeansRunning() {
        assertThat(transitions(aRequestedJob(), someProgress())).containsExactly("QUEUED", "QUEUED->RUNNING");
    }

    @Test
    void redeliveredEventsThatRepeatATransitionAreNoOps() {
        assertThat(transitions(aRequestedJob(), aRequestedJob(), aStartedJob(), aStartedJob(), aSucceededJob(),
                aSucceededJob()))
                .containsExactly("QUEUED", "QUEUED->RUNNING", "RUNNING->SUCCEEDED");
    }

    @Test
    void aRequestedEventAfterTheJobStartedDoesNotMoveItBack() {
        assertThat(JobTransitions.next(JobState.RUNNING, aRequestedJob())).isEqualTo(JobState.RUNNING);
    }

    @Test
    void lateEventsAfterATerminalStateChangeNothing() {
        for (JobState terminal : List.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)) {
            for (JobEvent late : List.of(aRequestedJob(), aStartedJob(), someProgress(), aSucceededJob(), aFailedJob(),
                    aCancelledJob(), aCancellationRequest())) {
                assertThat(JobTransitions.next(terminal, late)).as("%s after %s", late.type(), terminal)
                        .isEqualTo(terminal);
            }
        }
    }

    @Test
    void aCancellationRequestIsNotACancellation() {
        assertThat(JobTransitions.next(JobState.RUNNING, aCancellationRequest())).isEqualTo(JobState.RUNNING);
        assertThat(JobTransitions.next(null, aCancellationRequest())).isNull();
        assertThat(JobTransitions.target(aCancellationRequest())).isEmpty();
    }

    @Test
    void aViewThatStartsMidStreamTakesTheEventsState() {
        assertThat(JobTransitions.next(null, aStartedJob())).isEqualTo(JobState.RUNNING);
        assertThat(JobTransitions.next(null, aSucceededJob())).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void theTableAllowsOnlyForwardMoves() {
        assertThat(JobTransitions.allowedFrom(JobState.QUEUED))
                .containsExactlyInAnyOrder(JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED);
        assertThat(JobTransitions.allowedFrom(JobState.RUNNING))
                .containsExactlyInAnyOrder(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED);
        for (JobState state : JobState.values()) {
            assertThat(JobTransitions.legal(state, state)).isFalse();
            assertThat(JobTransitions.allowedFrom(state).isEmpty()).isEqualTo(state.terminal());
        }
        assertThat(JobTransitions.legal(JobState.RUNNING, JobState.QUEUED)).isFalse();
    }

    @Test
    void statesHaveLowercaseWireNamesAndOnlyTheLastThreeAreTerminal() {
        assertThat(List.of(JobState.values())).extracting(JobState::wireName)
                .containsExactly("queued", "running", "succeeded", "failed", "cancelled");
        assertThat(List.of(JobState.values())).filteredOn(JobState::terminal)
                .containsExactly(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED);
        assertThat(JobState.fromWireName("Running")).isEqualTo(JobState.RUNNING);
        assertThatThrownBy(() -> JobState.fromWireName("done")).hasMessageContaining("'done'");
    }

    /** Applies events from no state and records each change as "FROM->TO" (the first as "TO"). */
    private static List<String> transitions(JobEvent... events) {
        List<String> seen = new ArrayList<>();
        JobState state = null;
        for (JobEvent event : events) {
            JobState next = JobTransitions.next(state, event);
            if (next != state) {
                seen.add(state == null ? next.name() : state + "->" + next);
            }
            state = next;
        }
        return seen;
    }
}
