; A 2-D bent waveguide (meep's tutorial), a Gaussian pulse; flux through the bend's output.
(set! geometry-lattice (make lattice (size 32 32 no-size)))
(set! geometry (list
  (make block (center -2 -3.5) (size 28 1 infinity) (material (make dielectric (epsilon 12))))
  (make block (center 3.5 2) (size 1 28 infinity) (material (make dielectric (epsilon 12))))))
(set! pml-layers (list (make pml (thickness 1.0))))
(set! resolution 8)
(set! sources (list (make source (src (make gaussian-src (frequency 0.15) (fwidth 0.1)))
  (component Ez) (center -14 -3.5) (size 0 1))))
(define trans (add-flux 0.15 0.1 50 (make flux-region (center 3.5 14) (size 2 0))))
(run-until 100 (at-every 10 (lambda () (print "progress-time: " (meep-time) "\n"))))
(display-fluxes trans)
