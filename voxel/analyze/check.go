package analyze

// Options configures Check.
type Options struct {
	PartOptions
	// Limit bounds the asymmetric voxels and colour mismatches listed per axis.
	Limit int
}

// Report is everything Check finds.
type Report struct {
	Voxels   int
	Parts    []Part // largest first
	Floating []Part // the parts not grounded, largest first
	Symmetry [2]Symmetry
	Cavities []Cavity
}

// Check runs every analysis of the package on v.
func Check(v *Volume, opt Options) Report {
	if opt.Limit <= 0 {
		opt.Limit = 8
	}
	rep := Report{Voxels: v.Count()}
	rep.Parts = Parts(v, opt.PartOptions)
	rep.Floating = Floating(rep.Parts)
	rep.Symmetry[0] = MirrorSymmetry(v, 'x', opt.Limit)
	rep.Symmetry[1] = MirrorSymmetry(v, 'y', opt.Limit)
	rep.Cavities = Cavities(v)
	return rep
}
