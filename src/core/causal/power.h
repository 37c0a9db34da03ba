// A/B-test design on Boost.Math distributions, matching statsmodels' power
// classes: 'mean' = TTestIndPower (noncentral t, effect size mde / sd),
// 'proportion' = NormalIndPower on Cohen's h (proportion_effectsize).
// Sizes refer to the control group n1; the treatment group is ratio * n1.
#pragma once
#include <string>

namespace ls::power {

enum class Kind { Mean, Proportion };
Kind parse_kind(const std::string& s);

struct Design {
    Kind kind = Kind::Mean;
    double baseline = 0;  // proportion: control rate; mean: unused (may be NaN)
    double sd = 1;        // mean: outcome standard deviation
    double alpha = 0.05;
    double ratio = 1;     // n_treatment / n_control
};

// Standardized effect of an absolute difference `mde`.
double effect_size(const Design& d, double mde);
// Power of a two-sided test with n_control subjects in the control group.
double power(const Design& d, double mde, double n_control);
// Fractional control-group size reaching `target_power` (statsmodels'
// solve_power value; round up for a design).
double sample_size(const Design& d, double mde, double target_power);
// Smallest absolute difference detectable with `target_power`.
double mde(const Design& d, double n_control, double target_power);

// Variance-inflation of randomizing whole teams of `cluster_size` with
// intra-class correlation `icc`: 1 + (m - 1) * icc.
double design_effect(double cluster_size, double icc);

void validate(const Design& d);

}  // namespace ls::power
