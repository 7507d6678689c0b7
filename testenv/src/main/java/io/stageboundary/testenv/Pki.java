package io.stageboundary.testenv;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificates a local API server needs: a CA, a serving certificate for 127.0.0.1, an admin
 * client certificate in group {@code system:masters}, and the service-account signing key (so
 * TokenRequest works and a ServiceAccount can be tested for real).
 */
final class Pki {
  final Path caCert;
  final Path servingCert;
  final Path servingKey;
  final Path adminCert;
  final Path adminKey;
  final Path serviceAccountKey;
  final Path serviceAccountPub;

  private Pki(Path dir) {
    caCert = dir.resolve("ca.crt");
    servingCert = dir.resolve("apiserver.crt");
    servingKey = dir.resolve("apiserver.key");
    adminCert = dir.resolve("admin.crt");
    adminKey = dir.resolve("admin.key");
    serviceAccountKey = dir.resolve("sa.key");
    serviceAccountPub = dir.resolve("sa.pub");
  }

  static Pki create(Path dir) {
    Pki pki = new Pki(dir);
    try {
      Files.createDirectories(dir);
      KeyPair ca = rsa();
      X500Name caName = new X500Name("CN=stage-boundary-test-ca");
      X509Certificate caCert = sign(caName, ca, caName, ca.getPublic(), true, null, null);
      KeyPair serving = rsa();
      X509Certificate servingCert = sign(caName, ca, new X500Name("CN=kube-apiserver"),
          serving.getPublic(), false, KeyPurposeId.id_kp_serverAuth,
          new GeneralNames(new GeneralName[] {
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.dNSName, "kubernetes.default.svc"),
          }));
      KeyPair admin = rsa();
      X509Certificate adminCert = sign(caName, ca, new X500Name("O=system:masters,CN=admin"),
          admin.getPublic(), false, KeyPurposeId.id_kp_clientAuth, null);
      KeyPair sa = rsa();

      write(pki.caCert, caCert);
      write(pki.servingCert, servingCert);
      write(pki.servingKey, serving.getPrivate());
      write(pki.adminCert, adminCert);
      write(pki.adminKey, admin.getPrivate());
      write(pki.serviceAccountKey, sa.getPrivate());
      write(pki.serviceAccountPub, sa.getPublic());
      return pki;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create test certificates", e);
    }
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    return gen.generateKeyPair();
  }

  private static X509Certificate sign(X500Name issuer, KeyPair issuerKeys, X500Name subject,
      java.security.PublicKey subjectKey, boolean ca, KeyPurposeId purpose, GeneralNames sans)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    Instant now = Instant.now();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
        new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(3650))), subject, subjectKey);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (ca) {
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
    } else {
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
    }
    if (sans != null) {
      b.addExtension(Extension.subjectAlternativeName, false, sans);
    }
    PrivateKey signer = issuerKeys.getPrivate();
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer)));
  }

  private static void write(Path file, Object pemObject) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(pemObject);
    }
    Files.writeString(file, out.toString());
  }
}
