package io.stageboundary.operator.stage.exceptions;

import io.stageboundary.operator.api.v1alpha1.exception.BoundaryException;
import io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionSpec;
import io.stageboundary.operator.policy.AccessChanges;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.IamCatalogue;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * An exception as a request for approval on a Manual stage: the key an approval names and what a
 * plan says of it. {@link Exceptions} asks; the stage's approvals answer through {@link Approval}.
 */
public final class ExceptionRequests {
  private ExceptionRequests() {}

  /**
   * Asks for approval of exceptions on a Manual stage: {@code waiting} maps each key (uid@generation)
   * to what a plan says of it; returns the keys approved. {@code current} is every exception's key.
   */
  public interface Approval {
    Set<String> approved(Map<String, Supplier<String>> waiting, Set<String> current);
  }

  /** The key an approval names: the object and its generation, so a changed spec needs a new one. */
  static String key(BoundaryException e) {
    return e.getMetadata().getUid() + "@" + e.getMetadata().getGeneration();
  }

  /** What a plan says of an exception: what it lifts where, until when, why, and the access it gives. */
  static String describe(BoundaryDocument doc, BoundaryException e) {
    BoundaryExceptionSpec spec = e.getSpec();
    String account = spec.accounts().get(0);
    List<String> access = AccessChanges.lines(AccessChanges.between(doc.documentWithout(account, List.of()),
        doc.documentWithout(account, spec.statements()), IamCatalogue.pinned()));
    return e.getMetadata().getName() + ": lifts " + String.join(", ", spec.statements()) + " in "
        + String.join(", ", spec.accounts()) + " until " + spec.expiresAt() + " (" + spec.reason()
        + (spec.ticket() == null ? "" : ", " + spec.ticket()) + "): " + String.join("; ", access);
  }
}
