// Package v1beta2 is the ihpa.ake.cyberagent.co.jp/v1beta2 API: the
// FittingJob resource, which describes a daily forecasting job.
//
// The limits, forms and messages of the validation markers in types.go are
// the constants of limits.go, which say why each is there;
// TestLimitsMatchTheCRD keeps both the same.
//
// +k8s:deepcopy-gen=package
// +groupName=ihpa.ake.cyberagent.co.jp
package v1beta2
