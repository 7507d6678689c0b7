package io.stageboundary.operator.organization;

/** Credentials that cannot be loaded (a missing, unreadable or incomplete Secret): needs a human. */
public final class CredentialsUnavailable extends Exception {
  public CredentialsUnavailable(String message) {
    super(message);
  }
}
