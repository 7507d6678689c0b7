package io.stageboundary.operator.kube;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Kubernetes events on our objects: one for every AWS write and its outcome, so
 * {@code kubectl describe stage} tells the story. Events of cluster-scoped objects live in the
 * {@code default} namespace, as the API server expects. The same warning is not repeated within
 * ten minutes; writing an event never fails a reconcile.
 */
public final class EventRecorder implements Events {
  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  private static final Duration WARNING_QUIET = Duration.ofMinutes(10);
  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final Map<String, Instant> recentWarnings = new ConcurrentHashMap<>();

  public EventRecorder(KubernetesClient client, Clock clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  @Override
  public void normal(HasMetadata about, EventReason reason, String message) {
    emit(about, "Normal", reason, message);
  }

  @Override
  public void warning(HasMetadata about, EventReason reason, String message) {
    String key = about.getMetadata().getUid() + "|" + reason + "|" + message;
    Instant now = clock.instant();
    Instant last = recentWarnings.get(key);
    if (last != null && last.plus(WARNING_QUIET).isAfter(now)) {
      return;
    }
    recentWarnings.put(key, now);
    if (recentWarnings.size() > 10_000) {
      recentWarnings.entrySet().removeIf(e -> e.getValue().plus(WARNING_QUIET).isBefore(now));
    }
    emit(about, "Warning", reason, message);
  }

  private void emit(HasMetadata about, String type, EventReason reason, String message) {
    String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    String text = message.length() > 1000 ? message.substring(0, 997) + "..." : message;
    try {
      client.v1().events().inNamespace("default").resource(new EventBuilder()
          .withNewMetadata()
          .withName(about.getMetadata().getName() + "." + Long.toHexString(System.nanoTime())
              + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000)))
          .withNamespace("default").endMetadata()
          .withNewInvolvedObject().withApiVersion(about.getApiVersion()).withKind(about.getKind())
          .withName(about.getMetadata().getName()).withUid(about.getMetadata().getUid())
          .endInvolvedObject()
          .withType(type).withReason(reason.name()).withMessage(text)
          .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
          .withNewSource().withComponent("stage-boundary-operator").endSource()
          .withReportingComponent("stage-boundary-operator").withReportingInstance(instance)
          .build()).create();
    } catch (KubernetesClientException e) {
      LOG.debugf("could not record event %s on %s: %s", reason, about.getMetadata().getName(),
          e.getMessage());
    }
  }
}
