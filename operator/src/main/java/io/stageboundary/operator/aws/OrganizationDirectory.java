package io.stageboundary.operator.aws;

/** Reads an organisation's structure. One implementation calls AWS; tests use small fakes. */
public interface OrganizationDirectory {
  /** The whole organisation: every OU from the root down, and each one's accounts. */
  OrganizationSnapshot read();

  /**
   * The organisation again, reading only where {@code previous} says something can be: every
   * known OU's accounts, and the child OUs of the root, of OUs that had child OUs and of OUs new
   * since. What it cannot see is an OU made since under an OU that had none; so when an account or
   * OU it knew is no longer where it was (moved into such an OU, or gone), it reads the whole
   * organisation instead. An account new to the organisation in such an OU waits for the next
   * {@link #read}.
   */
  default OrganizationSnapshot reread(OrganizationSnapshot previous) {
    return read();
  }
}
