"""The reference corruption generator of Hendrycks & Dietterich (ICLR 2019),
vendored from hendrycks/robustness (Apache-2.0) for the fidelity test and the
benchmark: ``cifar`` (32 px), ``tiny`` (64 px), ``imagenet`` (224 px). See
LICENSE and NOTICE; each adaptation is marked ``ADAPTED:`` in the code."""
