package org.vmflock.emulate.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A guest's QMP socket goes beside its logs unless that path is too long for a Unix socket (a CI
 * temporary directory nested a few levels: QEMU said "Unix domain path too long" and the guest
 * never started); then it goes to a short private directory of that run directory's own.
 */
class QmpSocketPathTest {

  @Test
  void aShortRunDirectoryKeepsItsSocketsAndADeepOneGetsAShortPrivateOne() throws Exception {
    Path shallow = Path.of("/tmp/run");
    assertEquals(shallow.resolve("ring-vm1-rennes.qmp"), QemuVm.socketPath(shallow, "ring-vm1-rennes.qmp"));

    Path deep = Path.of("/tmp/junit-11168062359847976699/.report.partial-16017551858364214756/.node-vmflock/qemu");
    Path other = deep.resolveSibling("qemu-2");
    Path socket = QemuVm.socketPath(deep, "ring-vm1-rennes.qmp");
    assertTrue(socket.toString().getBytes(StandardCharsets.UTF_8).length <= 100, socket.toString());
    assertTrue(socket.getParent().getFileName().toString().startsWith("vmfl-qmp-"), socket.toString());
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
    assertEquals(socket, QemuVm.socketPath(deep, "ring-vm1-rennes.qmp"), "the same run directory, the same place");
    assertNotEquals(socket.getParent(), QemuVm.socketPath(other, "ring-vm1-rennes.qmp").getParent(),
        "two run directories never share one: a guest of one cannot remove the other's socket");
  }
}
