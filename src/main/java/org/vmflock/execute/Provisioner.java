package org.vmflock.execute;

import java.util.Map;
import org.vmflock.model.Application;

/** Starts a new application's VMs where the planner placed them, and stops them when it ends (E2). */
public interface Provisioner {

  void boot(Application app, Map<String, String> siteOfVm);

  void stop(Application app);

  /** Nothing to start or stop (VMs managed elsewhere). */
  Provisioner NONE = new Provisioner() {
    @Override
    public void boot(Application app, Map<String, String> siteOfVm) {}

    @Override
    public void stop(Application app) {}
  };
}
