package io.stageboundary.benchmark;

import java.util.Map;
import java.util.SortedMap;

/** What one benchmark run at one size measured. */
record Run(
    int perStage,
    int accounts,
    int environments,
    double seedSeconds,
    double applyToReadySeconds,
    long awsCalls,
    long awsWrites,
    SortedMap<String, Long> callsByOperation,
    double secondsInAws,
    double busySeconds,
    double operatorCpuSeconds,
    long peakRssBytes,
    long peakHeapBytes,
    long liveHeapBytes,
    double resyncSeconds,
    long resyncCalls,
    long resyncWrites,
    Map<String, Long> resyncWritesByOperation,
    /* the StackSet rollout's own time: the longest boundary operation, as CloudFormation reports it */
    double stackSetSeconds,
    /* a boundary document change on the converged organisation; null when not measured */
    DocumentChange documentChange,
    /* the organisation at rest afterwards; null when not measured */
    AtRest atRest) {

  double cpuMillisPerAccount() {
    return operatorCpuSeconds * 1000 / accounts;
  }

  double callsPerAccount() {
    return (double) awsCalls / accounts;
  }

  double secondsPerAccount() {
    return applyToReadySeconds / accounts;
  }

  /** Operator CPU per wall-clock second of the rollout. */
  double cpuShare() {
    return operatorCpuSeconds / applyToReadySeconds;
  }

  /** Share of the rollout with no AWS call in flight: time spent in the operator rather than in AWS. */
  double overhead() {
    return Math.max(0, 1 - busySeconds / applyToReadySeconds);
  }
}
